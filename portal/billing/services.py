"""Writes to the ledger. Nothing else inserts ledger entries or allocations.

Every service takes an idempotency key: the same key again returns the entry
written the first time and writes nothing, so a retried request or task
never posts twice. Keys are unique per organization; keys of entries a
service derives from another (a payment's entry from its Payment) are built
from the original key by `derived_key`. Allocations belong to the entry that
makes them and are written in the same transaction, only when that entry is
new, so they are idempotent with it.

The family's row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite
writes one at a time anyway) while a service reads open amounts and writes,
so two payments can never both pay the same open part of a charge.
"""

import hashlib
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.families.models import Family

from .errors import BillingError
from .models import Allocation, EntryKind, LedgerEntry, Payment, PaymentStatus
from .money import round_money
from .selectors import family_totals, open_charges, with_open_amounts

KEY_LENGTH = LedgerEntry._meta.get_field("idempotency_key").max_length

# Foreign keys are passed in as saved rows: full_clean() need not query each
# one again. The (organization, idempotency_key) constraint is checked by the
# lookup before the insert, and by the database at the insert.
_TRUSTED = [
    "organization",
    "family",
    "location",
    "student",
    "enrollment",
    "payment",
    "reverses",
    "created_by",
]


def derived_key(prefix: str, key: str) -> str:
    """`prefix:key`, or `prefix:` and a digest of `key` where that is too long
    for the column. The same inputs always give the same key."""
    derived = f"{prefix}:{key}"
    if len(derived) <= KEY_LENGTH:
        return derived
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{prefix}:{digest}"[:KEY_LENGTH]


def _lock_family(family):
    Family.objects.select_for_update().filter(pk=family.pk).values_list(
        "pk", flat=True
    ).get()


# Fields that tell whether a row found by key is the one this call would
# have written (a key reused for another entry is a bug, never a retry).
_SAME = ("kind", "family_id", "payment_id", "reverses_id")


def _existing(*, organization_id, idempotency_key, like):
    entry = LedgerEntry.objects.filter(
        organization_id=organization_id, idempotency_key=idempotency_key
    ).first()
    if entry is not None and any(
        getattr(entry, name) != getattr(like, name) for name in _SAME
    ):
        raise BillingError("key_reused")
    return entry


def _insert(entry: LedgerEntry) -> tuple[LedgerEntry, bool]:
    """Insert `entry`; (entry, True), or (the row another request inserted
    with the same key, False) when it lost that race."""
    # The table's constraints (one entry per key, a positive amount unless an
    # adjustment) are the database's to enforce, in the INSERT itself: a
    # lost race on the key comes back below. Checking them here first would
    # cost a query and a savepoint each, inside the checkout's transaction.
    entry.full_clean(exclude=_TRUSTED, validate_constraints=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        existing = _existing(
            organization_id=entry.organization_id,
            idempotency_key=entry.idempotency_key,
            like=entry,
        )
        if existing is None:
            raise
        return existing, False
    return entry, True


def _normal_key(idempotency_key: str) -> str:
    """The key as stored: as given, or a digest when it is longer than the
    column (the same long key always gives the same digest)."""
    if not idempotency_key:
        raise ValueError("Every ledger entry needs an idempotency key.")
    if len(idempotency_key) <= KEY_LENGTH:
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode()).hexdigest()


def _positive(amount) -> Decimal:
    amount = round_money(amount)
    if amount <= 0:
        raise BillingError("amount_not_positive", field="amount")
    return amount


def _allocate(*, source, charges, now) -> list[Allocation]:
    """Apply what is free of `source` to `charges` in the order given (None:
    the family's open charges, oldest first). Never more than a charge's
    open amount, never more than the source has; the rest stays credit.
    The family is locked by the caller."""
    family = source.family
    if charges is None:
        rows = list(open_charges(family=family))
    else:
        wanted = [charge.pk for charge in charges]
        found = {
            row.pk: row
            for row in with_open_amounts(
                LedgerEntry.objects.filter(
                    organization_id=family.organization_id, pk__in=wanted
                )
            )
        }
        rows = []
        for pk in dict.fromkeys(wanted):
            row = found.get(pk)
            if row is None or row.family_id != family.pk:
                raise BillingError("wrong_family")
            if not (
                row.kind == EntryKind.CHARGE
                or (row.kind == EntryKind.ADJUSTMENT and row.amount > 0)
            ):
                raise BillingError("not_a_charge")
            rows.append(row)
    left = abs(source.amount)
    allocations = []
    for row in rows:
        if left <= 0:
            break
        # SQLite computes the open amount in floating point and hands it back
        # with fifteen significant digits (0.0100000000000000): back to cents.
        take = round_money(min(left, row.open_amount))
        if take <= 0:
            continue
        allocation = Allocation(
            organization_id=source.organization_id,
            source=source,
            charge=row,
            amount=take,
            created_at=now,
        )
        # amount > 0 is checked here and by the table's constraint.
        allocation.full_clean(
            exclude=["organization", "source", "charge"], validate_constraints=False
        )
        allocations.append(allocation)
        left -= take
    Allocation.objects.bulk_create(allocations)
    return allocations


def _post(
    *,
    family,
    kind,
    amount,
    description,
    idempotency_key,
    now,
    allocate=False,
    charges=None,
    check=None,
    **fields,
) -> LedgerEntry:
    """Insert one entry (and its allocations) unless its key was used."""
    idempotency_key = _normal_key(idempotency_key)
    now = now or timezone.now()
    entry = LedgerEntry(
        organization_id=family.organization_id,
        family=family,
        kind=kind,
        amount=amount,
        description=str(description)[:200],
        posted_at=now,
        idempotency_key=idempotency_key,
        **fields,
    )
    with transaction.atomic():
        _lock_family(family)
        existing = _existing(
            organization_id=family.organization_id,
            idempotency_key=idempotency_key,
            like=entry,
        )
        if existing is not None:
            return existing
        if check is not None:
            check()
        entry, created = _insert(entry)
        if created and (allocate or charges is not None):
            _allocate(source=entry, charges=charges, now=now)
        return entry


def charge_post(
    *,
    family,
    amount: Decimal,
    description: str,
    idempotency_key: str,
    location=None,
    student=None,
    enrollment=None,
    due_on=None,
    created_by=None,
    now=None,
) -> LedgerEntry:
    """Post a charge: something the family owes."""
    return _post(
        family=family,
        kind=EntryKind.CHARGE,
        amount=_positive(amount),
        description=description,
        idempotency_key=idempotency_key,
        now=now,
        location=location,
        student=student,
        enrollment=enrollment,
        due_on=due_on,
        created_by=created_by,
    )


def payment_description(payment) -> str:
    if payment.brand and payment.last4:
        return _("Payment – %(brand)s ending in %(last4)s") % {
            "brand": payment.brand,
            "last4": payment.last4,
        }
    return _("Payment")


def payment_post(
    *, payment: Payment, charges: list[LedgerEntry] | None = None, now=None
) -> LedgerEntry:
    """The ledger entry of a confirmed Payment, applied to `charges` in the
    order given, or to the family's oldest open charges first when None.
    What is left over stays with the family as credit. The entry's key is
    derived from the payment's, so posting a payment twice writes once."""
    if payment.status != PaymentStatus.CONFIRMED:
        raise BillingError("payment_not_confirmed")
    return _post(
        family=payment.family,
        kind=EntryKind.PAYMENT,
        amount=_positive(payment.amount),
        description=payment_description(payment),
        idempotency_key=derived_key("payment", payment.idempotency_key),
        now=now,
        allocate=True,
        charges=charges,
        location=payment.location,
        payment=payment,
        created_by=None,
    )


def credit_post(
    *,
    family,
    amount: Decimal,
    reason: str,
    idempotency_key: str,
    description: str = "",
    apply: bool = False,
    charges: list[LedgerEntry] | None = None,
    location=None,
    created_by=None,
    now=None,
) -> LedgerEntry:
    """Give the family credit. With `charges`, or `apply=True` (its oldest
    open charges), the credit pays them at once; otherwise it waits."""
    if not reason.strip():
        raise BillingError("reason_required", field="reason")
    return _post(
        family=family,
        kind=EntryKind.CREDIT,
        amount=_positive(amount),
        description=description or _("Credit"),
        idempotency_key=idempotency_key,
        now=now,
        allocate=apply,
        charges=charges,
        reason=reason,
        location=location,
        created_by=created_by,
    )


def refund_post(
    *,
    family,
    amount: Decimal,
    reason: str,
    idempotency_key: str,
    payment: Payment | None = None,
    description: str = "",
    location=None,
    created_by=None,
    now=None,
) -> LedgerEntry:
    """Give credit back to the family (money returned through the gateway,
    or by hand). Never more than the family's credit, nor, for a given
    payment, more than that payment less its earlier refunds."""
    if not reason.strip():
        raise BillingError("reason_required", field="reason")
    amount = _positive(amount)
    if payment is not None and payment.family_id != family.pk:
        raise BillingError("wrong_family")

    def check():
        _owed, credit = family_totals(family=family)
        if amount > credit:
            raise BillingError("refund_exceeds_credit", field="amount")
        if payment is not None:
            refunded = sum(
                (
                    entry.amount
                    for entry in LedgerEntry.objects.filter(
                        organization_id=family.organization_id,
                        payment=payment,
                        kind=EntryKind.REFUND,
                        reversals__isnull=True,
                    )
                ),
                Decimal("0"),
            )
            if amount > payment.amount - refunded:
                raise BillingError("refund_exceeds_payment", field="amount")

    return _post(
        family=family,
        kind=EntryKind.REFUND,
        amount=amount,
        description=description or _("Refund"),
        idempotency_key=idempotency_key,
        now=now,
        check=check,
        reason=reason,
        payment=payment,
        location=location or (payment.location if payment else None),
        created_by=created_by,
    )


def adjustment_post(
    *,
    family,
    amount: Decimal,
    reason: str,
    idempotency_key: str,
    description: str = "",
    location=None,
    student=None,
    created_by=None,
    now=None,
) -> LedgerEntry:
    """A correction by staff: a positive amount is owed like a charge, a
    negative one counts like a credit."""
    if not reason.strip():
        raise BillingError("reason_required", field="reason")
    amount = round_money(amount)
    if amount == 0:
        raise BillingError("adjustment_zero", field="amount")
    return _post(
        family=family,
        kind=EntryKind.ADJUSTMENT,
        amount=amount,
        description=description or _("Adjustment"),
        idempotency_key=idempotency_key,
        now=now,
        reason=reason,
        location=location,
        student=student,
        created_by=created_by,
    )


def entry_reverse(
    *,
    entry: LedgerEntry,
    reason: str,
    idempotency_key: str,
    created_by=None,
    now=None,
) -> LedgerEntry:
    """Cancel an entry with a new one that points at it (`reverses`): an
    adjustment of the opposite sign. Allocations from or to the reversed
    entry stop counting (see billing.selectors). An entry is reversed once;
    a reversal is never reversed."""
    if not reason.strip():
        raise BillingError("reason_required", field="reason")
    family = entry.family

    def check():
        if entry.reverses_id is not None:
            raise BillingError("reversal_of_reversal")
        if LedgerEntry.objects.filter(
            organization_id=entry.organization_id, reverses=entry
        ).exists():
            raise BillingError("already_reversed")

    return _post(
        family=family,
        kind=EntryKind.ADJUSTMENT,
        amount=-entry.signed_amount,
        description=_("Reversal: %(description)s") % {"description": entry.description},
        idempotency_key=idempotency_key,
        now=now,
        check=check,
        reason=reason,
        reverses=entry,
        location=entry.location,
        student=entry.student,
        enrollment=entry.enrollment,
        payment=entry.payment,
        created_by=created_by,
    )
