"""My Account > Payments (Outstanding with Make Payment, Credit with Apply
Credit, the last payment, stored methods), the sandbox gateway's and
Stripe's entry pages, and gateway webhooks."""

import logging
import uuid
from decimal import Decimal
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

from portal.accounts.emails import site_url
from portal.families.decorators import family_required
from portal.formatting import format_money
from portal.tenancy.models import Organization

from .forms import (
    PAY_MESSAGES,
    ApplyCreditForm,
    MakePaymentForm,
    MethodAddForm,
    SandboxBankForm,
    SandboxCardForm,
)
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
from .models import (
    GatewayAccount,
    LedgerEntry,
    PaymentMethod,
    PaymentPurpose,
    WebhookEvent,
)
from .money import round_money

logger = logging.getLogger(__name__)


def entry_context(organization, *, return_url=""):
    """What templates/portal/billing/_method_entry.html needs: the gateway's
    entry page address per accepted kind (empty without a gateway)."""
    gateway = gateway_for(organization)
    kinds = accepted_kinds(organization) if gateway else []
    if gateway is not None and gateway.name == "stripe":
        # Cards only: a bank account through Stripe needs Financial
        # Connections, which Portico does not offer, so an organization with
        # eChecks on takes cards alone when its gateway is Stripe. Stripe's
        # fields need JavaScript: there is no whole-page fallback.
        kinds = [kind for kind in kinds if kind == "card"]
        if not kinds or not gateway.account.publishable_key:
            return {"entry_url": "", "kinds": kinds, "fallback_url": ""}
        query = {"org": organization.slug, "kind": "card"}
        return {
            "entry_url": f"{reverse('gateway:stripe_entry')}?{urlencode(query)}",
            "fallback_url": "",
            "kinds": kinds,
        }
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


def _may_pay(guardian) -> bool:
    return guardian.is_primary or guardian.may_make_payments


def _new_key() -> str:
    # Made when the form is shown: a double submit of this page carries the
    # same key and pays once; a retry after a decline is a new try.
    return uuid.uuid4().hex


def _fresh(form, *, keep_token=True):
    """A form shown again after the service refused: a new key (the old one
    has its outcome), and no token once the gateway has used it."""
    form.data = form.data.copy()
    form.data["idempotency_key"] = _new_key()
    if not keep_token:
        form.data["gateway_token"] = ""
    return form


def _render_payments(
    request,
    form=None,
    error=None,
    status=200,
    *,
    pay_form=None,
    credit_form=None,
):
    """My Account > Payments: Outstanding with Make Payment, Credit with
    Apply Credit, the last payment, and the stored methods."""
    from portal.formatting import format_money

    from .collect import last_payment
    from .methods import methods_usable
    from .selectors import family_totals, open_charges

    organization = request.organization
    family, guardian = request.family, request.guardian
    settings = organization.portal_settings
    guardian.organization = organization
    family.organization = organization
    methods = methods_for(guardian=guardian)
    protected = protected_method_ids(guardian=guardian)
    for method in methods:
        method.protected = method.pk in protected
    gateway = gateway_for(organization)
    token = request.GET.get("gateway_token", "")[:200]
    if form is None:
        form = MethodAddForm(initial={"gateway_token": token})
    charges = list(open_charges(family=family))
    owed, credit = family_totals(family=family)
    usable = methods_usable(guardian=guardian, methods=methods) if gateway else []
    may_pay = _may_pay(guardian)
    if pay_form is None:
        default = next((m for m in usable if m.is_default), None) or (
            usable[0] if usable else None
        )
        pay_form = MakePaymentForm(
            initial={
                "idempotency_key": _new_key(),
                "charge": [row.pk for row in charges],
                "method": "new" if token or default is None else str(default.pk),
                "gateway_token": token,
            },
            charges=charges,
            currency=organization.currency,
        )
    if credit_form is None:
        credit_form = ApplyCreditForm(
            initial={"idempotency_key": _new_key()}, charges=charges
        )
    chosen_charges = {str(pk) for pk in _values(pay_form, "charge")}
    chosen_credit = {str(pk) for pk in _values(credit_form, "charge")}
    for row in charges:
        # Dates are shown in the charge's location's time zone.
        row.where = row.location or request.location
        row.open_amount = round_money(row.open_amount)
        row.pay_checked = str(row.pk) in chosen_charges
        row.credit_checked = str(row.pk) in chosen_credit
    paid_last = last_payment(family=family)
    if paid_last is not None:
        paid_last.where = paid_last.location or request.location
    entry = entry_context(organization, return_url=_payments_url(request))
    context = {
        "methods": methods,
        "accepts_online": gateway is not None,
        "can_add": len(methods) < MAX_METHODS,
        "max_methods": MAX_METHODS,
        "form": form,
        "error": error,
        "token_ready": bool(form["gateway_token"].value()),
        **entry,
        # Outstanding and Make Payment
        "charges": charges,
        "owed": owed,
        "owed_text": format_money(owed, organization.currency),
        "credit": credit,
        "show_credit": settings.show_credit,
        "last_payment": paid_last,
        "may_pay": may_pay,
        "read_only": settings.is_read_only,
        "pay_form": pay_form,
        "pay_methods": usable,
        "pay_token_ready": bool(pay_form["gateway_token"].value()),
        "pay_save_checkbox": len(methods) < MAX_METHODS,
        "pay_save_checked": bool(pay_form["save_method"].value()),
        "chosen_method": str(pay_form["method"].value() or ""),
        "credit_form": credit_form,
    }
    return render(request, "portal/billing/payments.html", context, status=status)


def _values(form, name):
    value = form[name].value()
    if value is None:
        return []
    return value if isinstance(value, list | tuple) else [value]


@family_required
def payments(request, org_slug):
    response = _render_payments(request)
    add_never_cache_headers(response)
    return response


def _own_or_404(request, ids):
    """404 unless every posted charge id is one of this family's entries."""
    if not ids:
        return
    found = set(
        LedgerEntry.objects.filter(
            organization=request.organization, family=request.family, pk__in=ids
        ).values_list("pk", flat=True)
    )
    if set(ids) - found:
        raise Http404


def _posted_ids(request):
    return [int(v) for v in request.POST.getlist("charge") if v.isdigit()]


def _refusal(request):
    """The form-level reason this family member may not pay here, if any."""
    from .collect import MESSAGES

    if request.organization.portal_settings.is_read_only:
        return MESSAGES["setup_mode"], 403
    if not _may_pay(request.guardian):
        return MESSAGES["may_not_pay"], 403
    return None, 200


@family_required
@require_POST
def payment_make(request, org_slug):
    """Make Payment: pay all or chosen charges with a saved or new method."""
    from .collect import PaymentDeclined, PaymentError, payment_outcome, payment_take
    from .methods import methods_usable
    from .selectors import open_charges

    organization, family = request.organization, request.family
    ids = _posted_ids(request)
    _own_or_404(request, ids)
    key = request.POST.get("idempotency_key", "")[:64]
    if key:
        # The same page posted again (a double click, a reload): the first
        # submit's outcome, whatever the charges look like now.
        try:
            done = payment_outcome(family=family, idempotency_key=key)
        except PaymentError:
            done = None
        if done is not None:
            return _paid(request, done)
    posted_method = request.POST.get("method", "")
    if (
        posted_method.isdigit()
        and not PaymentMethod.objects.filter(
            guardian__family=family, pk=int(posted_method)
        ).exists()
    ):
        raise Http404
    charges = list(open_charges(family=family))
    form = MakePaymentForm(
        request.POST, charges=charges, currency=organization.currency
    )
    refusal, status = _refusal(request)
    if refusal is None and gateway_for(organization) is None:
        refusal, status = str(MethodError("no_gateway").message), 400
    if refusal is not None:
        form.is_valid()
        form.add_error(None, refusal)
        return _render_payments(request, pay_form=_fresh(form), status=status)
    if not form.is_valid():
        return _render_payments(request, pay_form=form, status=400)
    method = None
    if form.method_id is not None:
        method = next(
            (
                m
                for m in methods_usable(guardian=request.guardian)
                if m.pk == form.method_id
            ),
            None,
        )
        if method is None:
            form.add_error("method", PAY_MESSAGES["method"])
            return _render_payments(request, pay_form=form, status=400)
    data = form.cleaned_data
    chosen = form.chosen
    try:
        payment = payment_take(
            family=family,
            guardian=request.guardian,
            amount=data["amount"],
            idempotency_key=data["idempotency_key"],
            purpose=PaymentPurpose.BALANCE,
            charges=chosen,
            token="" if method else data.get("gateway_token", ""),
            method=method,
            save_method=bool(data.get("save_method")) and method is None,
            location=chosen[0].location or request.location,
            by=request.user,
            base_url=site_url(request),
        )
    except PaymentDeclined as exc:
        form.add_error("method", exc.message)
        return _render_payments(
            request, pay_form=_fresh(form, keep_token=False), status=400
        )
    except PaymentError as exc:
        field = {"charges": "charge", "amount": "amount", "method": "method"}.get(
            exc.field
        )
        form.add_error(field, exc.message)
        waiting = exc.code in ("unreachable", "pending")
        return _render_payments(
            request,
            pay_form=_fresh(form, keep_token=not waiting and field != "method"),
            status=202 if waiting else 400,
        )
    return _paid(request, payment)


def _paid(request, payment):
    messages.success(
        request,
        _(
            "Thank you! Your payment of %(amount)s was received. A receipt is "
            "on its way by e-mail."
        )
        % {"amount": format_money(payment.amount, request.organization.currency)},
    )
    return redirect(_payments_url(request))


@family_required
@require_POST
def credit_apply_view(request, org_slug):
    """Apply Credit: the family's credit to chosen outstanding charges."""
    from .collect import PaymentError, credit_applied, credit_apply
    from .selectors import open_charges

    organization, family = request.organization, request.family
    if not organization.portal_settings.show_credit:
        raise Http404
    ids = _posted_ids(request)
    _own_or_404(request, ids)
    key = request.POST.get("idempotency_key", "")[:64]
    try:
        done = credit_applied(family=family, idempotency_key=key) if key else []
    except PaymentError:
        done = []
    if done:
        return _applied(request, done)
    charges = list(open_charges(family=family))
    form = ApplyCreditForm(request.POST, charges=charges)
    refusal, status = _refusal(request)
    if refusal is not None:
        form.is_valid()
        form.add_error(None, refusal)
        return _render_payments(request, credit_form=_fresh(form), status=status)
    if not form.is_valid():
        return _render_payments(request, credit_form=form, status=400)
    try:
        allocations = credit_apply(
            family=family,
            charges=form.chosen,
            idempotency_key=form.cleaned_data["idempotency_key"],
            by=request.user,
        )
    except PaymentError as exc:
        form.add_error("charge" if exc.field == "charges" else None, exc.message)
        return _render_payments(request, credit_form=_fresh(form), status=400)
    return _applied(request, allocations)


def _applied(request, allocations):
    applied = sum((row.amount for row in allocations), Decimal("0.00"))
    messages.success(
        request,
        _("%(amount)s of your credit was applied.")
        % {"amount": format_money(applied, request.organization.currency)},
    )
    return redirect(_payments_url(request))


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


# Stripe's card entry -------------------------------------------------------

# What Stripe.js needs on the entry page: its script, its fields' frames and
# its API. Only this page's Content-Security-Policy names Stripe.
STRIPE_ENTRY_CSP = {
    "frame-ancestors": ["'self'"],
    "script-src": ["https://js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


@csp_update(STRIPE_ENTRY_CSP)
def stripe_entry(request):
    """Card entry in Stripe's own fields (Stripe.js) in an iframe of the
    portal's page; static/js/stripe_entry.js hands the PaymentMethod id to
    the page as the sandbox entry hands its token. The card number never
    reaches Portico."""
    account = (
        GatewayAccount.objects.select_related("organization")
        .filter(organization__slug=request.GET.get("org", ""), provider="stripe")
        .exclude(publishable_key="")
        .first()
    )
    if account is None:
        raise Http404("No Stripe gateway for this organization.")
    organization = account.organization
    with scope(organization=organization.pk):
        kinds = accepted_kinds(organization)
    if "card" not in kinds:
        raise Http404("This organization accepts no cards.")
    response = render(
        request,
        "portal/billing/stripe_entry.html",
        {
            "entry_organization": organization,
            "publishable_key": account.publishable_key,
        },
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
