"""Portal e-mails: a subject line, a text part and an HTML part per template.

Every e-mail is sent by the background worker: `send_portal_email` only
enqueues a task with plain, JSON-serialisable arguments, so no request waits
for (or shows through its timing) a mail server. Subject and text part are
rendered with autoescape off, so a name such as D'Arcy O'Neil & Sons reads as
typed; the HTML part is escaped as usual.

Links in e-mails are absolute: callers build them with `site_url(request)`,
which is the origin the request came to (host and port), or the configured
base URL when there is no request (a job, the shell).
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation


def site_url(request=None) -> str:
    """Scheme, host and port that links in e-mails start with (no trailing /)."""
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def _render_plain(name, context):
    """Render a template for a plain-text part: nothing is HTML-escaped."""
    return get_template(name).template.render(Context(context, autoescape=False))


def render_portal_email(*, organization, template, context):
    """(subject, text, html) of one e-mail."""
    context = {"organization": organization, **context}
    subject = _render_plain(f"emails/{template}_subject.txt", context)
    text = _render_plain(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    return " ".join(subject.split()), text, html


def deliver_portal_email(*, organization, to, template, context):
    """Render and send now. Only the background worker calls this."""
    subject, text, html = render_portal_email(
        organization=organization, template=template, context=context
    )
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )
    message.attach_alternative(html, "text/html")
    message.send()


def send_portal_email(*, organization, to, template, context):
    """Queue an e-mail for the background worker.

    `context` holds plain strings and numbers (they are stored with the task);
    the organization is passed by id and loaded again by the worker.
    """
    from .tasks import send_email

    send_email.enqueue(
        organization_id=organization.pk,
        to=to,
        template=template,
        context=dict(context),
        language=translation.get_language(),
    )
