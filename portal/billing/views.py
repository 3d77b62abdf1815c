"""My Account > Payments (stored methods), the sandbox gateway's entry page,
and gateway webhooks."""

import logging
from urllib.parse import urlencode

from csp.decorators import csp_update
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_scopes import scope

from portal.families.decorators import family_required
from portal.tenancy.models import Organization

from .forms import MethodAddForm, SandboxBankForm, SandboxCardForm
from .gateways import WebhookError, gateway_for
from .gateways.sandbox import issue_token
from .methods import (
    MAX_METHODS,
    MethodError,
    accepted_kinds,
    method_delete,
    method_save,
    method_set_default,
    method_set_recurring,
    methods_for,
    protected_method_ids,
)
from .models import GatewayAccount, PaymentMethod, WebhookEvent

logger = logging.getLogger(__name__)


def entry_context(organization, *, return_url=""):
    """What templates/portal/billing/_method_entry.html needs: the gateway's
    entry page address per accepted kind (empty without a gateway)."""
    gateway = gateway_for(organization)
    kinds = accepted_kinds(organization) if gateway else []
    if gateway is None or gateway.name != "sandbox" or not kinds:
        return {"entry_url": "", "kinds": kinds, "fallback_url": ""}
    base = reverse("gateway:sandbox_entry")
    query = {"org": organization.slug, "kind": kinds[0]}
    fallback = {**query, "return": return_url} if return_url else None
    return {
        "entry_url": f"{base}?{urlencode(query)}",
        "fallback_url": f"{base}?{urlencode(fallback)}" if fallback else "",
        "kinds": kinds,
    }


# My Account > Payments ----------------------------------------------------


def _payments_url(request):
    return reverse("billing:payments", kwargs={"org_slug": request.organization.slug})


def _render_payments(request, form=None, error=None, status=200):
    guardian = request.guardian
    methods = methods_for(guardian=guardian)
    protected = protected_method_ids(guardian=guardian)
    for method in methods:
        method.protected = method.pk in protected
    gateway = gateway_for(request.organization)
    if form is None:
        form = MethodAddForm(
            initial={"gateway_token": request.GET.get("gateway_token", "")}
        )
    context = {
        "methods": methods,
        "accepts_online": gateway is not None,
        "can_add": len(methods) < MAX_METHODS,
        "max_methods": MAX_METHODS,
        "form": form,
        "error": error,
        "token_ready": bool(form["gateway_token"].value()),
        **entry_context(request.organization, return_url=_payments_url(request)),
    }
    return render(request, "portal/billing/payments.html", context, status=status)


@family_required
def payments(request, org_slug):
    return _render_payments(request)


@family_required
@require_POST
def payment_method_add(request, org_slug):
    form = MethodAddForm(request.POST)
    form.is_valid()  # every field is optional; the service decides
    data = form.cleaned_data
    try:
        method = method_save(
            guardian=request.guardian,
            token=data.get("gateway_token", ""),
            make_default=data.get("make_default", False),
            recurring_authorized=data.get("recurring_authorized", False),
        )
    except MethodError as e:
        # The token was used or refused: the family enters the details again.
        form = MethodAddForm(
            initial={
                "make_default": data.get("make_default"),
                "recurring_authorized": data.get("recurring_authorized"),
            }
        )
        return _render_payments(request, form=form, error=e.message, status=400)
    messages.success(
        request,
        _("%(method)s was saved.") % {"method": method},
    )
    return redirect(_payments_url(request))


def _method_action(request, method_id, action, done):
    try:
        action()
    except PaymentMethod.DoesNotExist as e:
        raise Http404 from e
    except MethodError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, done)
    return redirect(_payments_url(request))


@family_required
@require_POST
def payment_method_default(request, org_slug, method_id):
    return _method_action(
        request,
        method_id,
        lambda: method_set_default(guardian=request.guardian, method_id=method_id),
        _("Your default payment method was changed."),
    )


@family_required
@require_POST
def payment_method_recurring(request, org_slug, method_id):
    authorized = request.POST.get("authorized") == "on"
    return _method_action(
        request,
        method_id,
        lambda: method_set_recurring(
            guardian=request.guardian, method_id=method_id, authorized=authorized
        ),
        _("Authorized for recurring billing.")
        if authorized
        else _("No longer authorized for recurring billing."),
    )


@family_required
def payment_method_delete(request, org_slug, method_id):
    method = PaymentMethod.objects.filter(
        guardian=request.guardian, pk=method_id
    ).first()
    if method is None:
        raise Http404
    if request.method == "POST":
        return _method_action(
            request,
            method_id,
            lambda: method_delete(guardian=request.guardian, method_id=method_id),
            _("%(method)s was deleted.") % {"method": method},
        )
    protected = method.pk in protected_method_ids(guardian=request.guardian)
    return render(
        request,
        "portal/billing/method_delete.html",
        {"method": method, "protected": protected},
    )


# The sandbox gateway's own page -------------------------------------------


def _sandbox_organization(request):
    slug = request.GET.get("org", "")
    account = (
        GatewayAccount.objects.select_related("organization")
        .filter(organization__slug=slug, provider="sandbox")
        .first()
    )
    if account is None:
        raise Http404("No sandbox gateway for this organization.")
    return account.organization


def _safe_return(request):
    url = request.GET.get("return", "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


@csp_update({"frame-ancestors": ["'self'"]})
def sandbox_entry(request):
    """Card or bank entry served by the sandbox gateway in an iframe of the
    portal's page (or as a whole page with `return`, without JavaScript)."""
    organization: Organization = _sandbox_organization(request)
    with scope(organization=organization.pk):
        kinds = accepted_kinds(organization)
    if not kinds:
        raise Http404("This organization accepts no payment methods.")
    kind = request.GET.get("kind")
    if kind not in kinds:
        kind = kinds[0]
    return_url = _safe_return(request)
    form_class = SandboxCardForm if kind == "card" else SandboxBankForm
    form = form_class(request.POST if request.method == "POST" else None)
    token = None
    if request.method == "POST" and form.is_valid():
        token = issue_token(organization=organization, **form.token_fields())
        if return_url:
            separator = "&" if "?" in return_url else "?"
            response = redirect(
                f"{return_url}{separator}{urlencode({'gateway_token': token.token})}"
            )
            add_never_cache_headers(response)
            return response
    switch = [
        (
            other,
            f"{request.path}?{urlencode({**request.GET.dict(), 'kind': other})}",
        )
        for other in kinds
    ]
    response = render(
        request,
        "portal/billing/sandbox_entry.html",
        {
            "form": form,
            "kind": kind,
            "kinds": switch,
            "token": token,
            "entry_organization": organization,
            "full_page": bool(return_url),
            "return_url": return_url,
        },
        status=400 if request.method == "POST" and token is None else 200,
    )
    add_never_cache_headers(response)
    return response


# Webhooks -----------------------------------------------------------------


@csrf_exempt
@require_POST
def gateway_webhook(request, provider, org_slug):
    account = (
        GatewayAccount.objects.select_related("organization")
        .filter(organization__slug=org_slug, provider=provider)
        .exclude(provider="")
        .first()
    )
    if account is None:
        raise Http404
    gateway = gateway_for(account.organization)
    header = getattr(gateway, "signature_header", "")
    try:
        event = gateway.parse_webhook(
            payload=request.body, signature=request.META.get(header, "")
        )
    except WebhookError:
        logger.warning("Refused a %s webhook with a bad signature.", provider)
        return HttpResponseBadRequest("Bad signature.")
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                organization=account.organization,
                gateway=gateway.name,
                event_id=event.event_id[:120],
                event_type=event.event_type[:80],
            )
    except IntegrityError:
        pass  # delivered before: nothing to do again
    return HttpResponse("ok")
