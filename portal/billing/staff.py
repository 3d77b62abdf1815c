"""Money actions the front desk takes on a family's account.

Every action is a write through the ledger's services (billing.services), with
the reason typed by the staff member and the staff member recorded as
`created_by`, and an idempotency key made when the form was rendered: the same
form submitted twice writes once.

- staff_charge_post: something the family owes (a lost cap, a late fee).
- staff_payment_record: cash or a check taken at the desk. A Payment row
  (purpose "staff", gateway "cash" or "check") records it, so that it can be
  refunded and reported like any other payment.
- staff_payment_take: a guardian's stored card or bank account charged
  through the gateway (billing.collect.payment_take, purpose "staff").
- payment_refund: all or part of a payment given back, to the method it came
  from or as credit on the family's account. Through the gateway the call is
  made in three steps, like the checkout: a short transaction checks what may
  be refunded; the gateway is called with no transaction open, with a key
  derived from the form's; only when it approved does a short transaction
  post the refund (services.refund_post). A decline or a gateway that does
  not answer leaves the ledger as it was and says why; the same form sent
  again refunds once (the ledger entry's key, then the gateway's key).
- staff_credit_give, staff_adjustment_post, staff_entry_reverse: credit,
  corrections and reversals.

Limits of a refund. Money given back: never more than the payment less its
earlier refunds, nor than the family's credit (services.refund_post), so money
that paid a charge is first freed (the charge reversed or credited, or the
payment refunded as credit). As credit: never more than what the payment paid
of charges less its earlier refunds as credit (the rest of a payment is
credit on the account already).
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import services
from .errors import BillingError
from .gateways import GatewayError, gateway_for
from .models import (
    Allocation,
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentPurpose,
    PaymentStatus,
)
from .money import round_money
from .selectors import family_totals

logger = logging.getLogger(__name__)

CASH = "cash"
CHECK = "check"
# Payments taken by hand: refunded by hand too, never through the gateway.
MANUAL_GATEWAYS = (CASH, CHECK)
MANUAL_LABELS = {CASH: _("Cash"), CHECK: _("Check")}

REFUND_TO_METHOD = "method"
REFUND_TO_CREDIT = "credit"

MESSAGES = {
    "amount_not_positive": _("Enter an amount above zero."),
    "reason_required": _("Say why this entry is made."),
    "check_number_required": _("Enter the check number."),
    "unknown_method": _("Choose cash, check or one of the family's saved methods."),
    "wrong_family": _("That belongs to another family."),
    "payment_not_refundable": _("Only a completed payment can be refunded."),
    "refund_exceeds_payment": _(
        "The refund is more than what is left of this payment (%(left)s)."
    ),
    "credit_exceeds_applied": _(
        "Only what this payment paid of charges can be refunded as credit "
        "(%(left)s now): the rest of it is credit on the account already."
    ),
    "refund_exceeds_credit": _(
        "The family's credit (%(credit)s) does not cover this refund. Reverse "
        "or credit the charge this payment paid first, or refund as credit."
    ),
    "no_gateway": _(
        "This organization has no payment gateway, so nothing can be refunded "
        "to a card or bank account. Refund as credit instead."
    ),
    "gateway_unreachable": _(
        "The payment gateway did not answer, so the ledger was not changed. "
        "Submit the form again: the refund will not be made twice."
    ),
    "refund_declined": _(
        "The payment gateway refused the refund, so the ledger was not "
        "changed: %(reason)s"
    ),
    "refund_not_recorded": _(
        "The payment gateway made the refund, but the ledger could not record "
        "it: %(reason)s Submit the form again once that is put right."
    ),
    "payment_declined": _("The payment was declined: %(reason)s"),
    "payment_unreachable": _(
        "The payment gateway did not answer. The payment is pending and will "
        "be settled by itself; check the ledger before trying again."
    ),
    "entry_not_found": _("Choose an entry of this family's ledger."),
}


class StaffMoneyError(Exception):
    """An action the front desk cannot take, with the reason to show."""

    def __init__(self, code, field=None, **params):
        self.code = code
        self.field = field
        self.message = MESSAGES[code] % params if params else MESSAGES[code]
        super().__init__(str(self.message))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise StaffMoneyError("reason_required", field="reason")
    return reason[:200]


def _amount(amount) -> Decimal:
    amount = round_money(amount)
    if amount <= 0:
        raise StaffMoneyError("amount_not_positive", field="amount")
    return amount


def _same_family(family, *rows):
    for row in rows:
        if row is not None and row.family_id != family.pk:
            raise StaffMoneyError("wrong_family")


# Charges, credits, adjustments, reversals -----------------------------------


def staff_charge_post(
    *,
    family,
    amount: Decimal,
    description: str,
    reason: str,
    idempotency_key: str,
    by,
    location=None,
    student=None,
    due_on=None,
    now=None,
) -> LedgerEntry:
    """A charge the desk posts. services.charge_post takes no reason, so the
    entry goes through the same insert (services._post) with one."""
    reason = _reason(reason)
    amount = _amount(amount)
    _same_family(family, student)
    return services._post(
        family=family,
        kind=EntryKind.CHARGE,
        amount=amount,
        description=description.strip(),
        idempotency_key=idempotency_key,
        now=now,
        reason=reason,
        location=location,
        student=student,
        due_on=due_on,
        created_by=by,
    )


def staff_credit_give(
    *,
    family,
    amount: Decimal,
    reason: str,
    idempotency_key: str,
    by,
    apply: bool = False,
    description: str = "",
    location=None,
    now=None,
) -> LedgerEntry:
    """Credit on the family's account; with `apply`, it pays the oldest open
    charges at once."""
    return services.credit_post(
        family=family,
        amount=_amount(amount),
        reason=_reason(reason),
        idempotency_key=idempotency_key,
        description=description.strip(),
        apply=apply,
        location=location,
        created_by=by,
        now=now,
    )


def staff_adjustment_post(
    *,
    family,
    amount: Decimal,
    reason: str,
    idempotency_key: str,
    by,
    description: str = "",
    location=None,
    student=None,
    now=None,
) -> LedgerEntry:
    """A correction: positive is owed like a charge, negative counts like a
    credit."""
    _same_family(family, student)
    return services.adjustment_post(
        family=family,
        amount=amount,
        reason=_reason(reason),
        idempotency_key=idempotency_key,
        description=description.strip(),
        location=location,
        student=student,
        created_by=by,
        now=now,
    )


def staff_entry_reverse(
    *, family, entry: LedgerEntry, reason: str, idempotency_key: str, by, now=None
) -> LedgerEntry:
    """Cancel one of the family's entries with a reversing entry (once)."""
    _same_family(family, entry)
    return services.entry_reverse(
        entry=entry,
        reason=_reason(reason),
        idempotency_key=idempotency_key,
        created_by=by,
        now=now,
    )


# Payments ---------------------------------------------------------------------


def staff_payment_record(
    *,
    family,
    amount: Decimal,
    method: str,
    reason: str,
    idempotency_key: str,
    by,
    check_number: str = "",
    location=None,
    now=None,
) -> LedgerEntry:
    """Cash or a check taken at the desk: a confirmed Payment and its ledger
    entry, applied to the oldest open charges (the rest stays credit)."""
    if method not in MANUAL_GATEWAYS:
        raise StaffMoneyError("unknown_method", field="method")
    reason = _reason(reason)
    amount = _amount(amount)
    check_number = check_number.strip()
    if method == CHECK and not check_number:
        raise StaffMoneyError("check_number_required", field="check_number")
    now = now or timezone.now()
    key = services._normal_key(idempotency_key)
    with transaction.atomic():
        services._lock_family(family)
        payment = Payment.objects.filter(
            organization_id=family.organization_id, idempotency_key=key
        ).first()
        if payment is None:
            payment = Payment(
                organization_id=family.organization_id,
                family=family,
                location=location,
                amount=amount,
                status=PaymentStatus.CONFIRMED,
                idempotency_key=key,
                gateway=method,
                gateway_reference=check_number[:120],
                brand=str(MANUAL_LABELS[method]),
                purpose=PaymentPurpose.STAFF,
                created_by=by,
                created_at=now,
            )
            payment.full_clean(exclude=["organization", "family", "location"])
            payment.save()
        elif payment.family_id != family.pk:
            raise BillingError("key_reused")
        existing = payment.entries.filter(kind=EntryKind.PAYMENT).first()
        if existing is not None:
            return existing
        if method == CHECK:
            description = gettext("Check %(number)s") % {"number": check_number}
        else:
            description = gettext("Cash payment")
        # The entry payment_post would write (same derived key), with the
        # staff member and the reason.
        return services._post(
            family=family,
            kind=EntryKind.PAYMENT,
            amount=payment.amount,
            description=description,
            idempotency_key=services.derived_key("payment", payment.idempotency_key),
            now=now,
            allocate=True,
            location=location,
            payment=payment,
            reason=reason,
            created_by=by,
        )


def staff_payment_take(
    *,
    family,
    amount: Decimal,
    payment_method,
    reason: str,
    idempotency_key: str,
    by,
    location=None,
    base_url: str = "",
    now=None,
) -> LedgerEntry:
    """Charge one of the family's stored methods through the gateway
    (billing.collect.payment_take, purpose "staff"). A decline or a gateway
    that does not answer is a StaffMoneyError with the reason."""
    _reason(reason)
    amount = _amount(amount)
    if payment_method is None or payment_method.guardian.family_id != family.pk:
        raise StaffMoneyError("unknown_method", field="method")
    from . import collect

    try:
        payment = collect.payment_take(
            family=family,
            amount=amount,
            idempotency_key=idempotency_key,
            purpose=PaymentPurpose.STAFF,
            method=payment_method,
            guardian=payment_method.guardian,
            location=location,
            by=by,
            now=now,
            base_url=base_url,
        )
    except collect.PaymentDeclined as error:
        raise StaffMoneyError(
            "payment_declined", field="method", reason=error.message
        ) from None
    except BillingError as error:
        if error.code == "unreachable":
            raise StaffMoneyError("payment_unreachable") from None
        raise
    return payment.entries.get(kind=EntryKind.PAYMENT)


# Refunds ----------------------------------------------------------------------


def _standing(entries):
    return entries.filter(reversals__isnull=True, reverses__isnull=True)


def payment_refunded(*, payment) -> Decimal:
    """Money given back of a payment: its refunds that stand."""
    total = _standing(
        LedgerEntry.objects.filter(
            organization_id=payment.organization_id,
            payment=payment,
            kind=EntryKind.REFUND,
        )
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


def payment_credited(*, payment) -> Decimal:
    """What of a payment was refunded as credit: its credits that stand."""
    total = _standing(
        LedgerEntry.objects.filter(
            organization_id=payment.organization_id,
            payment=payment,
            kind=EntryKind.CREDIT,
        )
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


def payment_applied(*, payment) -> Decimal:
    """What a payment paid of charges: the standing allocations of its entry
    (an allocation stops counting when its payment or charge is reversed)."""
    total = (
        Allocation.objects.filter(
            organization_id=payment.organization_id,
            source__payment=payment,
            source__kind=EntryKind.PAYMENT,
            source__reversals__isnull=True,
            charge__reversals__isnull=True,
        )
        .order_by()
        .aggregate(total=Sum("amount"))["total"]
    )
    return total or Decimal("0.00")


def payment_refundable(*, payment, to: str = REFUND_TO_METHOD) -> Decimal:
    """What is left of a payment to refund.

    To the method: the payment less the money given back already (the
    family's credit must cover it too, see `_refund_check`). As credit: what
    the payment paid of charges, less what was refunded as credit already;
    money of the payment that paid nothing is credit on the account already."""
    zero = Decimal("0.00")
    if payment.status != PaymentStatus.CONFIRMED:
        return zero
    if to == REFUND_TO_CREDIT:
        left = payment_applied(payment=payment) - payment_credited(payment=payment)
    else:
        left = payment.amount - payment_refunded(payment=payment)
    return max(left, zero)


def _refund_check(*, payment, amount, to, currency):
    from portal.formatting import format_money

    left = payment_refundable(payment=payment, to=to)
    if amount > left:
        code = "credit_exceeds_applied" if to == REFUND_TO_CREDIT else None
        raise StaffMoneyError(
            code or "refund_exceeds_payment",
            field="amount",
            left=format_money(left, currency),
        )
    if to == REFUND_TO_METHOD:
        _owed, credit = family_totals(family=payment.family)
        if amount > credit:
            raise StaffMoneyError(
                "refund_exceeds_credit",
                field="amount",
                credit=format_money(credit, currency),
            )


def _refund_description(payment, to) -> str:
    if to == REFUND_TO_CREDIT:
        return gettext("Refund as credit")
    if payment.gateway in MANUAL_GATEWAYS:
        return gettext("Refund – %(method)s") % {
            "method": str(MANUAL_LABELS[payment.gateway]).lower()
        }
    if payment.brand and payment.last4:
        return gettext("Refund to %(brand)s ending in %(last4)s") % {
            "brand": payment.brand,
            "last4": payment.last4,
        }
    return gettext("Refund")


def _queue_refund_receipt(entry, base_url) -> None:
    from .receipts import send_refund_receipt

    transaction.on_commit(
        lambda: send_refund_receipt.enqueue(refund_entry_id=entry.pk, base_url=base_url)
    )


def payment_refund(
    *,
    payment: Payment,
    amount: Decimal,
    to: str,
    reason: str,
    idempotency_key: str,
    by,
    base_url: str = "",
    now=None,
) -> LedgerEntry:
    """Give back all or part of a payment: to the method it came from
    (`to="method"`: the gateway for a card or bank account, by hand for cash
    or a check) or as credit on the family's account (`to="credit"`).

    The same key again returns the first refund and calls nothing. Money
    given back is e-mailed to the family (billing.receipts; `base_url`: where
    its links start)."""
    reason = _reason(reason)
    amount = _amount(amount)
    if to not in (REFUND_TO_METHOD, REFUND_TO_CREDIT):
        raise StaffMoneyError("unknown_method", field="to")
    family = payment.family
    currency = family.organization.currency
    key = services._normal_key(idempotency_key)
    done = LedgerEntry.objects.filter(
        organization_id=family.organization_id, idempotency_key=key
    ).first()
    if done is not None:
        if done.payment_id != payment.pk:
            raise BillingError("key_reused")
        return done
    if payment.status != PaymentStatus.CONFIRMED:
        raise StaffMoneyError("payment_not_refundable")
    now = now or timezone.now()
    description = _refund_description(payment, to)

    if to == REFUND_TO_CREDIT:

        def check():
            _refund_check(payment=payment, amount=amount, to=to, currency=currency)

        # A credit that remembers the payment it came from (so it counts
        # against what is left of it).
        return services._post(
            family=family,
            kind=EntryKind.CREDIT,
            amount=amount,
            description=description,
            idempotency_key=key,
            now=now,
            check=check,
            reason=reason,
            payment=payment,
            location=payment.location,
            created_by=by,
        )

    if payment.gateway not in MANUAL_GATEWAYS:
        # 1. What may be refunded, under the family's lock, then commit.
        with transaction.atomic():
            services._lock_family(family)
            _refund_check(payment=payment, amount=amount, to=to, currency=currency)
        # 2. The gateway, with no transaction open.
        gateway = gateway_for(family.organization)
        if gateway is None:
            raise StaffMoneyError("no_gateway", field="to")
        try:
            result = gateway.refund(
                reference=payment.gateway_reference,
                amount=amount,
                idempotency_key=services.derived_key("refund", key),
            )
        except GatewayError:
            logger.warning("Gateway did not answer a refund of payment %s", payment.pk)
            raise StaffMoneyError("gateway_unreachable") from None
        if not result.approved:
            raise StaffMoneyError(
                "refund_declined",
                reason=result.message or result.code or gettext("no reason given."),
            )
    # 3. The ledger.
    try:
        with transaction.atomic():
            if payment.gateway in MANUAL_GATEWAYS:
                services._lock_family(family)
                _refund_check(payment=payment, amount=amount, to=to, currency=currency)
            entry = services.refund_post(
                family=family,
                amount=amount,
                reason=reason,
                idempotency_key=key,
                payment=payment,
                description=description,
                created_by=by,
                now=now,
            )
            _queue_refund_receipt(entry, base_url)
    except BillingError as error:
        if payment.gateway in MANUAL_GATEWAYS:
            raise
        logger.error(
            "Payment %s refunded by the gateway but not posted: %s",
            payment.pk,
            error.code,
        )
        raise StaffMoneyError("refund_not_recorded", reason=error.message) from None
    return entry
