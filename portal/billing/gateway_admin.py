"""The Payment gateway screen of the admin: which gateway an organization
takes payments through, and its keys.

Only superusers and the organization's managers reach it; front-desk and
marketing staff are refused, and a manager sees only the organizations they
manage (another organization's screen is not found).

The secret key and the webhook signing secret are typed into password fields
that are never filled in again: the page says only that a key is stored and
its last four characters. Leaving such a field empty keeps the stored key.
"""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.panels import Panel
from wagtail.log_actions import log

from portal.tenancy.models import Organization
from portal.tenancy.services import managed_organization_ids

from .models import GatewayAccount, GatewayProvider

SECRET_FIELDS = ("secret_key", "webhook_secret")

# What each of a Stripe account's keys starts with.
STRIPE_PREFIXES = {
    "publishable_key": ("pk_",),
    "secret_key": ("sk_", "rk_"),
    "webhook_secret": ("whsec_",),
}
STRIPE_MESSAGES = {
    "publishable_key": _("A Stripe publishable key starts with pk_."),
    "secret_key": _(
        "A Stripe secret key starts with sk_ (or rk_ for a restricted key)."
    ),
    "webhook_secret": _("A Stripe webhook signing secret starts with whsec_."),
}
STRIPE_REQUIRED = {
    "publishable_key": _("Stripe needs the account's publishable key."),
    "secret_key": _("Stripe needs the account's secret key."),
}


# Who may see and change it -----------------------------------------------------


def gateway_organizations(user):
    """The organizations whose gateway the user may see and change: every one
    for a superuser, else those where the user is a manager."""
    cached = getattr(user, "_portico_gateway_org_ids", False)
    if cached is False:
        cached = managed_organization_ids(user)
        user._portico_gateway_org_ids = cached
    organizations = Organization.objects.order_by("name")
    return organizations if cached is None else organizations.filter(pk__in=cached)


def may_manage_gateways(user):
    return gateway_organizations(user).exists()


# The write -----------------------------------------------------------------------


def stored_hint(value):
    """What the page may say of a stored secret: its last four characters."""
    return value[-4:] if value else ""


@transaction.atomic
def gateway_account_update(
    *,
    organization: Organization,
    provider: str,
    publishable_key: str = "",
    secret_key: str = "",
    webhook_secret: str = "",
    forget_keys: bool = False,
    by=None,
) -> GatewayAccount:
    """Set the organization's gateway, creating its row when missing.

    An empty secret keeps the stored one (the form never shows it back);
    `forget_keys` removes every stored key first. Raises ValidationError
    (per field) and saves nothing when the keys do not fit the provider."""
    account, _created = GatewayAccount.objects.select_for_update().get_or_create(
        organization=organization
    )
    if forget_keys:
        account.publishable_key = account.secret_key = account.webhook_secret = ""
    account.provider = provider
    account.publishable_key = publishable_key.strip()
    for name, value in (("secret_key", secret_key), ("webhook_secret", webhook_secret)):
        if value.strip():
            setattr(account, name, value.strip())
    errors = {}
    if provider == GatewayProvider.STRIPE:
        for name, message in STRIPE_REQUIRED.items():
            if not getattr(account, name):
                errors[name] = message
        for name, prefixes in STRIPE_PREFIXES.items():
            value = getattr(account, name)
            if value and not value.startswith(prefixes) and name not in errors:
                errors[name] = STRIPE_MESSAGES[name]
    if errors:
        raise ValidationError(errors)
    account.full_clean()
    account.save()
    organization.__dict__["_gateway_account"] = account  # gateway_for's memo
    # The log names the provider only, never a key.
    log(account, "wagtail.edit", user=by)
    return account


# The screen ------------------------------------------------------------------------


class GatewayAccountForm(forms.Form):
    provider = forms.ChoiceField(
        label=_("Payment gateway"), choices=GatewayProvider.choices, required=False
    )
    publishable_key = forms.CharField(
        label=_("Publishable key"),
        max_length=200,
        required=False,
        help_text=_("Stripe's key for the payment pages (starts with pk_)."),
    )
    secret_key = forms.CharField(
        label=_("Secret key"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    webhook_secret = forms.CharField(
        label=_("Webhook signing secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    forget_keys = forms.BooleanField(
        label=_("Remove the stored keys"),
        required=False,
        help_text=_("Forget every key stored for this organization."),
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            hint = stored_hint(getattr(account, name))
            field = self.fields[name]
            if hint:
                field.help_text = gettext(
                    "A key is stored, ending in …%(last4)s. Leave this empty to "
                    "keep it."
                ) % {"last4": hint}
            else:
                field.help_text = gettext("No key is stored.")


class GatewayViewMixin:
    """Refuses staff who manage no organization (front desk, marketing)."""

    def dispatch(self, request, *args, **kwargs):
        if not may_manage_gateways(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class GatewayIndexView(GatewayViewMixin, TemplateView):
    """The organizations whose gateway the user manages; straight to the
    screen when there is one."""

    template_name = "portal/billing/admin/gateway_index.html"

    def get(self, request, *args, **kwargs):
        organizations = list(
            gateway_organizations(request.user).select_related("gateway")
        )
        if len(organizations) == 1:
            return redirect("billing_gateway_edit", organizations[0].pk)
        return self.render_to_response({"organizations": organizations})


class GatewayEditView(GatewayViewMixin, FormView):
    template_name = "portal/billing/admin/gateway_edit.html"
    form_class = GatewayAccountForm

    @cached_property
    def organization(self):
        try:
            return gateway_organizations(self.request.user).get(
                pk=self.kwargs["organization_id"]
            )
        except Organization.DoesNotExist as error:
            raise Http404 from error

    @cached_property
    def account(self):
        return GatewayAccount.objects.filter(
            organization=self.organization
        ).first() or GatewayAccount(organization=self.organization)

    def get_initial(self):
        return {
            "provider": self.account.provider,
            "publishable_key": self.account.publishable_key,
        }

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "account": self.account}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            gateway_account_update(
                organization=self.organization,
                provider=data["provider"],
                publishable_key=data["publishable_key"],
                secret_key=data["secret_key"],
                webhook_secret=data["webhook_secret"],
                forget_keys=data["forget_keys"],
                by=self.request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            gettext("Payment gateway of %(name)s saved.")
            % {"name": self.organization.name},
        )
        return redirect("billing_gateway_edit", self.organization.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            organization=self.organization,
            account=self.account,
            several=gateway_organizations(self.request.user)[:2].count() > 1,
        )
        return context


class GatewayLinkPanel(Panel):
    """On the portal settings screen: the organization's gateway and a link
    to change it, for those who may."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "portal/billing/admin/gateway_link_panel.html"

        def is_shown(self):
            return bool(
                self.instance
                and self.instance.pk
                and self.request is not None
                and gateway_organizations(self.request.user)
                .filter(pk=self.instance.organization_id)
                .exists()
            )

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            organization_id = self.instance.organization_id
            context["account"] = GatewayAccount.objects.filter(
                organization_id=organization_id
            ).first()
            context["gateway_url"] = reverse(
                "billing_gateway_edit", args=[organization_id]
            )
            return context
