"""Taking money for charges already on the ledger, and applying credit.

`payment_take` is Make Payment on My Account > Payments, a payment the front
desk takes with a saved method, and tuition billing's charge of a default
method. Like the checkout (portal/cart/checkout.py), no lock or transaction
is held while the gateway is called:

1. A short transaction checks the request and creates the Payment row,
   `pending`, with the caller's idempotency key, its purpose and the ids of
   the charges it pays. Commit.
2. The gateway is called with that key, no transaction open. When its
   answer is lost (GatewayError), the gateway is asked by key at once; when
   it still cannot say, the Payment stays `pending` and the settle job
   (portal.cart.tasks.payment_settle -> `payment_finish`) finishes it later.
3. `payment_finish`, a short transaction: approved -> Payment `confirmed`,
   its ledger entry posted and allocated to exactly the chosen charges
   (whatever they no longer need stays with the family as credit); declined
   -> Payment `failed`, nothing posted.

The same key again answers the first outcome: the unique key on Payment
decides between two submits, so a double submit charges once.

`credit_apply` (Apply Credit) applies the family's unallocated payments and
credits to chosen charges: Allocation rows only, each with a key derived
from the request's, so a retried request applies nothing twice.
"""

from __future__ import annotations

import hashlib
import logging
import time
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Abs, Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from portal.families.models import Family

from .errors import BillingError
from .models import (
    Allocation,
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentPurpose,
    PaymentStatus,
)
from .money import round_money
from .selectors import (
    DEBIT,
    SOURCE,
    STANDING,
    _allocated,
    _reversed,
    family_totals,
)
from .selectors import with_open_amounts as _with_open_amounts

logger = logging.getLogger(__name__)

# How long a second submit of the same key waits for the first one's outcome.
DUPLICATE_WAIT_SECONDS = 20.0
# Confirmed payments of these purposes are e-mailed a receipt. (A checkout
# sends its own confirmation; staff and tuition billing decide themselves
# and may enqueue receipts.send_payment_receipt.)
RECEIPT_PURPOSES = {PaymentPurpose.BALANCE}

MESSAGES = {
    "declined": _("The payment was declined. Try another card or bank account."),
    "unreachable": _(
        "The payment gateway did not answer, so we do not know yet whether "
        "the payment went through. It is being checked; you will not be "
        "charged twice. Look at your balance again in a few minutes."
    ),
    "pending": _(
        "This payment is still being processed. Look at your balance again "
        "in a few minutes."
    ),
    "token_invalid": _(
        "Those payment details have expired or were already used. Enter them again."
    ),
    "no_gateway": _("This business does not accept online payments."),
    "setup_mode": _("This portal is being set up: payments are not accepted yet."),
    "may_not_pay": _(
        "The primary guardian has not allowed you to make payments. Ask them "
        "to pay, or to allow payments for you."
    ),
    "no_method": _("Choose a saved payment method or enter a new one."),
    "bad_method": _("This payment method cannot be used here. Choose another."),
    "no_charges": _("Choose at least one charge."),
    "nothing_open": _("The charges you chose are already paid."),
    "no_credit": _("There is no credit left to apply."),
    "amount_not_positive": _("Enter an amount above zero."),
    "voided": _(
        "The payment could not be completed and was given back. Nothing was charged."
    ),
    "wrong_family": _("That entry belongs to another family."),
    "not_a_charge": _("Payments and credits can only be applied to charges."),
    "key_reused": _(
        "This request was already used for a different payment; start it again."
    ),
}


DESCRIPTIONS = {
    PaymentPurpose.BALANCE: _("Payment on account"),
    PaymentPurpose.TUITION: _("Tuition"),
    PaymentPurpose.STAFF: _("Payment"),
}


class PaymentError(BillingError):
    """A payment or Apply Credit that did not go through; nothing was
    charged or posted (except "unreachable": the Payment stays pending)."""

    def __init__(self, code, field=None, message=None):
        self.code = code
        self.field = field
        self.message = message or MESSAGES[code]
        Exception.__init__(self, str(self.message))


class PaymentDeclined(PaymentError):
    """The gateway declined: `code` is its reason code ("card_declined",
    "insufficient_funds" ...), `message` the family-facing reason."""

    def __init__(self, code="declined", message=None):
        super().__init__(code if code in MESSAGES else "declined", field="method")
        self.code = code or "declined"
        if message:
            self.message = message
            Exception.__init__(self, str(message))


# Helpers --------------------------------------------------------------------


def _lock_family(family):
    Family.objects.select_for_update().filter(pk=family.pk).values_list(
        "pk", flat=True
    ).get()


def _check_charges(family, charges) -> list[int]:
    """The ids of `charges` in order, each a debit of `family`."""
    ids = []
    for charge in charges:
        if (
            charge.organization_id != family.organization_id
            or charge.family_id != family.pk
        ):
            raise PaymentError("wrong_family")
        if not (
            charge.kind == EntryKind.CHARGE
            or (charge.kind == EntryKind.ADJUSTMENT and charge.amount > 0)
        ):
            raise PaymentError("not_a_charge")
        if charge.pk not in ids:
            ids.append(charge.pk)
    return ids


def _outcome(payment, family) -> Payment:
    """The outcome of an earlier request with the same key: the Payment when
    it was confirmed, else the error it ended with."""
    deadline = time.monotonic() + DUPLICATE_WAIT_SECONDS
    while payment.status == PaymentStatus.PENDING and time.monotonic() < deadline:
        time.sleep(0.05)
        payment = Payment.objects.get(pk=payment.pk)
    if payment.family_id != family.pk or payment.purpose == PaymentPurpose.CHECKOUT:
        raise PaymentError("key_reused")
    if payment.status == PaymentStatus.CONFIRMED:
        return payment
    if payment.status == PaymentStatus.PENDING:
        raise PaymentError("pending")
    if payment.status == PaymentStatus.VOIDED:
        raise PaymentError("voided")
    raise PaymentDeclined(payment.failure_code, payment.failure_message or None)


def _fail(payment, *, code, message, now):
    """Mark a pending Payment failed (only a pending one: a confirmed payment
    is never changed by a late answer)."""
    Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
        status=PaymentStatus.FAILED,
        failure_code=(code or "declined")[:40],
        failure_message=str(message)[:200],
        updated_at=now,
    )


def payment_outcome(*, family, idempotency_key: str) -> Payment | None:
    """The outcome of an earlier payment_take with this key: None when there
    was none; the confirmed Payment; or the error it ended with (raised)."""
    payment = Payment.objects.filter(
        organization_id=family.organization_id,
        idempotency_key=(idempotency_key or "").strip(),
    ).first()
    if payment is None:
        return None
    return _outcome(payment, family)


# Step 3, shared with the settle job ----------------------------------------


def payment_finish(*, payment, result, now=None, base_url: str = "") -> Payment:
    """Finish a pending Payment with the gateway's answer (a ChargeResult, or
    None when the gateway has no charge under the payment's key).

    Approved: the Payment is confirmed and its ledger entry posted and
    allocated to the charges in `charge_ids` (or, when it names none, the
    family's oldest open charges). Declined or unknown to the gateway: the
    Payment is failed and nothing is posted. A Payment that is no longer
    pending is left as it is. Returns the Payment as it now stands."""
    from .services import payment_post

    now = now or timezone.now()
    if result is None or not result.approved:
        if result is None:
            code, message = "unreachable", MESSAGES["declined"]
        else:
            code = result.code or "declined"
            message = result.message or MESSAGES["declined"]
        with transaction.atomic():
            _fail(payment, code=code, message=message, now=now)
        return Payment.objects.get(pk=payment.pk)
    with transaction.atomic():
        row = Payment.objects.select_for_update().get(pk=payment.pk)
        if row.status != PaymentStatus.PENDING:
            return row
        row.status = PaymentStatus.CONFIRMED
        row.gateway_reference = (result.reference or "")[:120]
        if result.last4:
            row.brand, row.last4 = (result.brand or "")[:40], result.last4[:4]
            row.method_kind = result.kind or row.method_kind
        row.updated_at = now
        row.save()
        charges = None
        if row.charge_ids:
            found = {
                entry.pk: entry
                for entry in LedgerEntry.objects.filter(
                    organization_id=row.organization_id, pk__in=row.charge_ids
                )
            }
            charges = [found[pk] for pk in row.charge_ids if pk in found]
        payment_post(payment=row, charges=charges, now=now)
        if row.purpose in RECEIPT_PURPOSES:
            from .receipts import send_payment_receipt

            payment_id = row.pk
            transaction.on_commit(
                lambda: send_payment_receipt.enqueue(
                    payment_id=payment_id,
                    base_url=base_url,
                    language=translation.get_language(),
                )
            )
    return row


# The payment ----------------------------------------------------------------


def payment_take(
    *,
    family,
    amount: Decimal,
    idempotency_key: str,
    purpose: str,
    charges: list[LedgerEntry] | None = None,
    token: str = "",
    method=None,
    guardian=None,
    save_method: bool = False,
    location=None,
    by=None,
    off_session: bool = False,
    now=None,
    base_url: str = "",
) -> Payment:
    """Take `amount` through the organization's gateway for `charges` (in
    the order given; None: the family's oldest open charges) from a one-time
    entry `token` or a stored `method`. Returns the confirmed Payment.

    Raises PaymentDeclined when the gateway declines (nothing posted), and
    PaymentError (a BillingError) when the request cannot be made, or with
    code "unreachable" when the gateway's answer is not known yet (the
    Payment stays pending for the settle job). `guardian` is the family
    member paying (checked for permission to pay; `save_method` stores a new
    card or bank account for them). `off_session`: nobody is present (tuition
    billing): a stored method is charged without a guardian. `base_url`:
    where links in the receipt start (the request's origin)."""
    from .gateways import GatewayError, TokenError, gateway_for
    from .methods import MethodError, accepted_kinds, as_stored, method_save

    key = (idempotency_key or "").strip()
    if not key:
        raise ValueError("A payment needs an idempotency key.")
    if purpose not in PaymentPurpose.values or purpose == PaymentPurpose.CHECKOUT:
        raise ValueError(f"payment_take does not take {purpose!r} payments.")
    now = now or timezone.now()
    organization = family.organization
    existing = Payment.objects.filter(
        organization_id=organization.pk, idempotency_key=key
    ).first()
    if existing is not None:
        return _outcome(existing, family)

    # Step 1 -----------------------------------------------------------------
    settings = organization.portal_settings
    if purpose == PaymentPurpose.BALANCE and settings.is_read_only:
        raise PaymentError("setup_mode")
    amount = round_money(amount) if amount is not None else Decimal("0")
    if amount <= 0:
        raise PaymentError("amount_not_positive", field="amount")
    if guardian is not None:
        if guardian.family_id != family.pk:
            raise PaymentError("wrong_family")
        if not (guardian.is_primary or guardian.may_make_payments):
            raise PaymentError("may_not_pay", field="method")
    gateway = gateway_for(organization)
    if gateway is None:
        raise PaymentError("no_gateway")
    if method is not None:
        owner_family = method.guardian.family_id
        if (
            owner_family != family.pk
            or (guardian is not None and method.guardian_id != guardian.pk)
            or (guardian is None and not off_session and by is None)
            or method.gateway != gateway.name
            or method.kind not in accepted_kinds(organization)
        ):
            raise PaymentError("bad_method", field="method")
    elif not token:
        raise PaymentError("no_method", field="method")
    charge_ids = _check_charges(family, charges) if charges is not None else []
    if location is None and charges:
        location = charges[0].location
    payment = Payment(
        organization=organization,
        family=family,
        guardian=guardian,
        location=location,
        amount=amount,
        status=PaymentStatus.PENDING,
        idempotency_key=key,
        gateway=gateway.name,
        method=method,
        method_kind=method.kind if method else "",
        brand=method.brand if method else "",
        last4=method.last4 if method else "",
        purpose=purpose,
        charge_ids=charge_ids,
        created_by=by,
        created_at=now,
    )
    payment.full_clean(
        exclude=[
            "organization",
            "family",
            "guardian",
            "location",
            "method",
            "created_by",
        ],
        validate_constraints=False,
    )
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError:
        existing = Payment.objects.filter(
            organization_id=organization.pk, idempotency_key=key
        ).first()
        if existing is None:
            raise
        return _outcome(existing, family)

    # Step 2 (no transaction open) --------------------------------------------
    stored = as_stored(method) if method is not None else None
    if stored is None and save_method and guardian is not None:
        try:
            saved = method_save(guardian=guardian, token=token, now=now)
        except (MethodError, GatewayError) as error:
            message = getattr(error, "message", "") or MESSAGES["token_invalid"]
            with transaction.atomic():
                _fail(payment, code="method", message=message, now=now)
            raise PaymentDeclined("method", message) from None
        stored = as_stored(saved)
        Payment.objects.filter(pk=payment.pk).update(
            method=saved,
            method_kind=saved.kind,
            brand=saved.brand,
            last4=saved.last4,
        )
    description = DESCRIPTIONS.get(purpose, "")
    try:
        result = gateway.charge(
            amount=amount,
            currency=organization.currency,
            idempotency_key=key,
            token="" if stored else token,
            method=stored,
            description=str(description)[:200],
        )
    except TokenError:
        with transaction.atomic():
            _fail(payment, code="token", message=MESSAGES["token_invalid"], now=now)
        raise PaymentDeclined("token_invalid") from None
    except GatewayError:
        logger.warning("Gateway did not answer for payment %s", payment.pk)
        try:
            result = gateway.find_charge(idempotency_key=key)
        except GatewayError:
            result = None
        if result is None:
            # Unknown: the settle job asks again later.
            raise PaymentError("unreachable") from None

    # Step 3 -----------------------------------------------------------------
    payment = payment_finish(payment=payment, result=result, now=now, base_url=base_url)
    if payment.status == PaymentStatus.CONFIRMED:
        return payment
    raise PaymentDeclined(payment.failure_code, payment.failure_message or None)


# Apply Credit -----------------------------------------------------------------

_MONEY = DecimalField(max_digits=12, decimal_places=2)


def _apply_prefix(idempotency_key: str) -> str:
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"apply:{digest}:"


def _free_sources(family):
    """The family's standing payments, credits and negative adjustments with
    something not yet applied (`free`), oldest first. What a payment's own
    refunds gave back is not free."""
    refunded = (
        LedgerEntry.objects.with_scopes_disabled()
        .filter(
            kind=EntryKind.REFUND,
            payment_id=OuterRef("payment_id"),
            family_id=OuterRef("family_id"),
            reverses__isnull=True,
        )
        .exclude(reversals__isnull=False)
        .order_by()
        .values("payment_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    zero = Value(Decimal("0.00"), output_field=_MONEY)
    return (
        LedgerEntry.objects.filter(
            organization_id=family.organization_id, family=family
        )
        .annotate(reversed=_reversed())
        .filter(STANDING & SOURCE)
        .annotate(
            applied=_allocated("source"),
            refunded=Coalesce(Subquery(refunded, output_field=_MONEY), zero),
        )
        .annotate(free=Abs("amount") - F("applied") - F("refunded"))
        .filter(free__gt=0)
        .order_by("posted_at", "pk")
    )


def credit_applied(*, family, idempotency_key: str) -> list[Allocation]:
    """The allocations an earlier credit_apply with this key wrote (empty
    when there was none)."""
    prefix = _apply_prefix((idempotency_key or "").strip())
    found = list(
        Allocation.objects.filter(
            organization_id=family.organization_id, idempotency_key__startswith=prefix
        )
        .select_related("source", "charge")
        .order_by("pk")
    )
    if any(row.charge.family_id != family.pk for row in found):
        raise PaymentError("key_reused")
    return found


def credit_apply(
    *,
    family,
    charges: list[LedgerEntry],
    idempotency_key: str,
    by=None,
    now=None,
) -> list[Allocation]:
    """Apply the family's unallocated credit to `charges`, in the order
    given, never more than a charge's open amount nor more than the family's
    credit. Returns the Allocation rows written (or, for a key used before,
    the rows that request wrote)."""
    key = (idempotency_key or "").strip()
    if not key:
        raise ValueError("Apply Credit needs an idempotency key.")
    now = now or timezone.now()
    prefix = _apply_prefix(key)
    organization_id = family.organization_id

    def earlier():
        return credit_applied(family=family, idempotency_key=key)

    found = earlier()
    if found:
        return found
    if not charges:
        raise PaymentError("no_charges", field="charges")
    wanted = _check_charges(family, charges)
    with transaction.atomic():
        _lock_family(family)
        found = earlier()
        if found:
            return found
        _owed, credit = family_totals(family=family)
        if credit <= 0:
            raise PaymentError("no_credit", field="charges")
        rows = {
            row.pk: row
            for row in _with_open_amounts(
                LedgerEntry.objects.filter(
                    organization_id=organization_id, family=family, pk__in=wanted
                ).filter(DEBIT)
            )
        }
        # SQLite computes open amounts in floating point: back to cents.
        targets = [
            (rows[pk], round_money(rows[pk].open_amount))
            for pk in wanted
            if pk in rows and round_money(rows[pk].open_amount) > 0
        ]
        if not targets:
            raise PaymentError("nothing_open", field="charges")
        sources = [
            [source, round_money(source.free)] for source in _free_sources(family)
        ]
        left = round_money(credit)
        allocations = []
        for charge, open_amount in targets:
            need = min(open_amount, left)
            for pair in sources:
                if need <= 0:
                    break
                source, free = pair
                take = min(need, free)
                if take <= 0:
                    continue
                allocation = Allocation(
                    organization_id=organization_id,
                    source=source,
                    charge=charge,
                    amount=take,
                    created_at=now,
                    idempotency_key=f"{prefix}{len(allocations)}",
                )
                allocation.full_clean(
                    exclude=["organization", "source", "charge"],
                    validate_constraints=False,
                )
                allocations.append(allocation)
                pair[1] = free - take
                need -= take
                left -= take
            if left <= 0:
                break
        if not allocations:
            raise PaymentError("no_credit", field="charges")
        Allocation.objects.bulk_create(allocations)
    return allocations


__all__ = [
    "DUPLICATE_WAIT_SECONDS",
    "MESSAGES",
    "PaymentDeclined",
    "PaymentError",
    "credit_apply",
    "credit_applied",
    "last_payment",
    "payment_finish",
    "payment_outcome",
    "payment_take",
]


# Reads for My Account > Payments ----------------------------------------------


def last_payment(*, family) -> LedgerEntry | None:
    """The family's latest payment entry that stands (not reversed), with
    its location (whose time zone its date is shown in). One query."""
    return (
        LedgerEntry.objects.filter(
            organization_id=family.organization_id,
            family=family,
            kind=EntryKind.PAYMENT,
        )
        .annotate(reversed=_reversed())
        .filter(STANDING)
        .select_related("location")
        .order_by("-posted_at", "-pk")
        .first()
    )


def outstanding_total(*, family) -> Decimal:
    """What is still to pay on the family's open charges (the dashboard's
    notice). One query."""
    from .selectors import open_charges

    total = open_charges(family=family).aggregate(total=Sum("open_amount"))["total"]
    return round_money(total or Decimal("0.00"))
