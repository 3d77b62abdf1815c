"""Background tasks that send the portal's e-mails.

Arguments are ids and plain strings (they are stored with the queued task);
the worker loads the organization again and opens its tenant scope.
"""

from django.conf import settings
from django.utils import translation
from django_scopes import scope
from django_tasks import task

from portal.tenancy.models import Organization


@task()
def send_email(*, organization_id, to, template, context, language=None):
    from .emails import deliver_portal_email

    organization = Organization.objects.get(pk=organization_id)
    with (
        scope(organization=organization.pk),
        translation.override(language or settings.LANGUAGE_CODE),
    ):
        deliver_portal_email(
            organization=organization, to=to, template=template, context=context
        )


@task()
def send_code(*, organization_id, email, purpose, base_url, language=None):
    from .services import code_send

    organization = Organization.objects.get(pk=organization_id)
    with (
        scope(organization=organization.pk),
        translation.override(language or settings.LANGUAGE_CODE),
    ):
        code_send(
            organization=organization, email=email, purpose=purpose, base_url=base_url
        )


@task()
def send_admin_password_reset(
    *,
    email,
    domain,
    use_https,
    subject_template_name,
    email_template_name,
    html_email_template_name=None,
):
    """The admin's password-reset link, found and sent outside the request."""
    from .forms import StaffPasswordResetForm

    form = StaffPasswordResetForm(data={"email": email})
    if not form.is_valid():
        return
    form.send_now(
        domain_override=domain or None,
        use_https=use_https,
        subject_template_name=subject_template_name,
        email_template_name=email_template_name,
        html_email_template_name=html_email_template_name,
    )
