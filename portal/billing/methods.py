"""Stored payment methods: a guardian's cards and bank accounts, kept as the
gateway's token with brand, last four digits and expiry only.

Rules: at most three per guardian; the first one saved is the default;
where the organization requires a method authorized for recurring billing,
the family's last such method can be neither deleted nor un-authorized.
Only kinds the organization accepts are saved or offered for payment.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.families.models import Family

from .gateways import GatewayError, StoredMethod, TokenError, gateway_for
from .models import MethodKind, PaymentMethod

MAX_METHODS = 3

MESSAGES = {
    "no_gateway": _("This business does not accept online payments."),
    "too_many": _(
        "You can keep up to three payment methods. Delete one to add another."
    ),
    "token_missing": _(
        "Enter the card or bank account details above and press Continue first."
    ),
    "token_invalid": _(
        "Those payment details have expired or were already used. Enter them again."
    ),
    "gateway_unavailable": _(
        "The payment gateway could not be reached. Nothing was saved; try again."
    ),
    "kind_refused": _("This business does not accept this type of payment method."),
    "recurring_required": _(
        "Keep at least one payment method authorized for recurring billing."
    ),
}


class MethodError(Exception):
    def __init__(self, code, field=None):
        self.code = code
        self.field = field
        self.message = MESSAGES[code]
        super().__init__(str(self.message))


def accepted_kinds(organization) -> list[str]:
    settings = organization.portal_settings
    kinds = []
    if settings.accept_cards:
        kinds.append(MethodKind.CARD.value)
    if settings.accept_echecks:
        kinds.append(MethodKind.BANK.value)
    return kinds


def as_stored(method: PaymentMethod) -> StoredMethod:
    """What a gateway needs to charge a stored method."""
    return StoredMethod(
        kind=method.kind,
        brand=method.brand,
        last4=method.last4,
        token=method.token,
        exp_month=method.exp_month,
        exp_year=method.exp_year,
        customer_reference=method.customer_reference,
    )


# Selectors -----------------------------------------------------------------


def methods_for(*, guardian) -> list[PaymentMethod]:
    """The guardian's stored methods, the default first."""
    return list(
        PaymentMethod.objects.filter(guardian=guardian).order_by(
            "-is_default", "created_at", "pk"
        )
    )


def card_expired(method: PaymentMethod, now) -> bool:
    if method.kind != MethodKind.CARD or not method.exp_year:
        return False
    today = timezone.localdate(now)
    return (method.exp_year, method.exp_month or 12) < (today.year, today.month)


def methods_usable(*, guardian, now=None, methods=None) -> list[PaymentMethod]:
    """Stored methods the guardian can pay with now: of a kind the business
    accepts, through its current gateway, and (cards) not expired. `methods`:
    the guardian's methods when the caller has read them already."""
    now = now or timezone.now()
    organization = guardian.organization
    gateway = gateway_for(organization)
    if gateway is None:
        return []
    kinds = accepted_kinds(organization)
    return [
        method
        for method in (methods_for(guardian=guardian) if methods is None else methods)
        if method.kind in kinds
        and method.gateway == gateway.name
        and not card_expired(method, now)
    ]


def protected_method_ids(*, guardian, methods=None) -> set[int]:
    """Methods whose deletion or un-authorization is refused: the family's
    last one authorized for recurring billing, where that is required."""
    if not guardian.organization.portal_settings.require_recurring_method:
        return set()
    authorized = list(
        PaymentMethod.objects.filter(
            guardian__family_id=guardian.family_id, recurring_authorized=True
        ).values_list("pk", flat=True)[:2]
    )
    return set(authorized) if len(authorized) == 1 else set()


# Services ------------------------------------------------------------------


def _lock_family(guardian):
    """Serialises the family's method changes (the count, the last recurring)."""
    Family.objects.select_for_update().filter(pk=guardian.family_id).first()


def _method_of(guardian, method_id) -> PaymentMethod:
    """The guardian's method (locked); PaymentMethod.DoesNotExist otherwise."""
    return PaymentMethod.objects.select_for_update().get(
        guardian=guardian, pk=method_id
    )


def method_save(
    *,
    guardian,
    token: str,
    make_default: bool = False,
    recurring_authorized: bool = False,
    now=None,
) -> PaymentMethod:
    """Store the card or bank account behind a one-time gateway token."""
    now = now or timezone.now()
    organization = guardian.organization
    gateway = gateway_for(organization)
    if gateway is None:
        raise MethodError("no_gateway")
    if not token:
        raise MethodError("token_missing", field="gateway_token")
    if PaymentMethod.objects.filter(guardian=guardian).count() >= MAX_METHODS:
        raise MethodError("too_many")
    customer_reference = (
        PaymentMethod.objects.filter(guardian=guardian, gateway=gateway.name)
        .exclude(customer_reference="")
        .values_list("customer_reference", flat=True)
        .first()
        or ""
    )
    # The gateway call happens outside any transaction or lock.
    try:
        stored = gateway.setup_method(
            token=token, customer_reference=customer_reference
        )
    except TokenError as e:
        raise MethodError("token_invalid", field="gateway_token") from e
    except GatewayError as e:
        raise MethodError("gateway_unavailable", field="gateway_token") from e
    if stored.kind not in accepted_kinds(organization):
        raise MethodError("kind_refused", field="gateway_token")
    with transaction.atomic():
        _lock_family(guardian)
        existing = PaymentMethod.objects.filter(guardian=guardian)
        if existing.count() >= MAX_METHODS:
            raise MethodError("too_many")
        first = not existing.filter(is_default=True).exists()
        if make_default and not first:
            existing.filter(is_default=True).update(is_default=False)
        method = PaymentMethod(
            organization=organization,
            guardian=guardian,
            kind=stored.kind,
            brand=stored.brand[:40],
            last4=stored.last4,
            exp_month=stored.exp_month,
            exp_year=stored.exp_year,
            gateway=gateway.name,
            token=stored.token,
            customer_reference=stored.customer_reference,
            is_default=first or make_default,
            recurring_authorized=recurring_authorized,
            created_at=now,
        )
        method.full_clean()
        method.save()
    return method


def method_set_default(*, guardian, method_id) -> PaymentMethod:
    with transaction.atomic():
        _lock_family(guardian)
        method = _method_of(guardian, method_id)
        if not method.is_default:
            PaymentMethod.objects.filter(guardian=guardian, is_default=True).update(
                is_default=False
            )
            method.is_default = True
            method.full_clean()
            method.save(update_fields=["is_default"])
    return method


def method_set_recurring(*, guardian, method_id, authorized: bool) -> PaymentMethod:
    with transaction.atomic():
        _lock_family(guardian)
        method = _method_of(guardian, method_id)
        if not authorized and method.pk in protected_method_ids(guardian=guardian):
            raise MethodError("recurring_required", field="recurring_authorized")
        method.recurring_authorized = authorized
        method.full_clean()
        method.save(update_fields=["recurring_authorized"])
    return method


def method_delete(*, guardian, method_id) -> None:
    """Forget a stored method; the oldest remaining one becomes the default."""
    with transaction.atomic():
        _lock_family(guardian)
        method = _method_of(guardian, method_id)
        if method.pk in protected_method_ids(guardian=guardian):
            raise MethodError("recurring_required")
        was_default = method.is_default
        method.delete()
        if was_default:
            successor = (
                PaymentMethod.objects.filter(guardian=guardian)
                .order_by("created_at", "pk")
                .first()
            )
            if successor is not None:
                successor.is_default = True
                successor.save(update_fields=["is_default"])
