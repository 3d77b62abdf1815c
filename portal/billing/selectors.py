"""Reads of the ledger: what a family owes, its credit, its open charges.

Every figure is a sum over ledger rows, computed by the database in a fixed
number of queries whatever the number of rows.

Roles of the entries (see billing.models):

* A *debit* is something to be paid: a charge, or a positive adjustment.
* A *source* pays debits: a payment, a credit, or a negative adjustment.
  Its Allocation rows say which debits it paid; what is not allocated is the
  family's credit, which a refund gives back.
* An entry that was reversed, and the reversing entry itself, play no role:
  they cancel each other. An allocation counts only while both its source
  and its debit stand, so reversing a payment reopens the charges it paid,
  and reversing a charge frees the money that paid it as credit.

So family_balance() − family_credit() always equals the signed sum of the
family's entries (BALANCE_SIGN), and neither is ever below zero.
"""

from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from .models import Allocation, EntryKind, LedgerEntry
from .money import round_money

ZERO = Decimal("0.00")


class _MoneyResult(DecimalField):
    """The output field of money computed in SQL (sums, differences).

    SQLite computes them in floating point and Django hands back what it
    got (0.0199999999999998 for 0.02) for anything but a plain column:
    every such result is rounded back to cents, with the one rounding rule.
    """

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return round_money(Decimal(value))


MONEY_FIELD = _MoneyResult(max_digits=12, decimal_places=2)


def _zero():
    return Value(ZERO, output_field=MONEY_FIELD)


def _reversed(ref="pk"):
    """True when the entry at OuterRef(ref) has been reversed."""
    return Exists(
        LedgerEntry.objects.with_scopes_disabled().filter(reverses=OuterRef(ref))
    )


# Entries that stand: not reversed, not a reversal.
STANDING = Q(reverses__isnull=True) & ~Q(reversed=True)
DEBIT = Q(kind=EntryKind.CHARGE) | Q(kind=EntryKind.ADJUSTMENT, amount__gt=0)
SOURCE = (
    Q(kind=EntryKind.PAYMENT)
    | Q(kind=EntryKind.CREDIT)
    | Q(kind=EntryKind.ADJUSTMENT, amount__lt=0)
)


def _standing_allocations():
    """Allocations whose source and debit both stand (neither reversed; a
    reversing entry is never a source or a debit)."""
    return (
        Allocation.objects.with_scopes_disabled()
        .filter(
            ~Exists(
                LedgerEntry.objects.with_scopes_disabled().filter(
                    reverses=OuterRef("source_id")
                )
            )
        )
        .filter(
            ~Exists(
                LedgerEntry.objects.with_scopes_disabled().filter(
                    reverses=OuterRef("charge_id")
                )
            )
        )
    )


def _allocated(field):
    """The standing allocations' sum in or out of the entry at OuterRef("pk")."""
    rows = (
        _standing_allocations()
        .filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=MONEY_FIELD), _zero())


def with_open_amounts(queryset):
    """Annotate ledger entries with `allocated` (standing allocations in),
    `is_reversed`, and `open_amount`: what is still to pay on a standing
    debit (0 for anything else)."""
    return queryset.annotate(
        reversed=_reversed(), allocated=_allocated("charge")
    ).annotate(
        open_amount=Case(
            When(STANDING & DEBIT, then=F("amount") - F("allocated")),
            default=_zero(),
            output_field=MONEY_FIELD,
        )
    )


def charge_open_amount(charge) -> Decimal:
    """What is still to pay on one charge (or positive adjustment): its
    amount less what standing payments and credits paid of it; 0 once it has
    been reversed. One query."""
    return (
        with_open_amounts(LedgerEntry.objects.with_scopes_disabled())
        .filter(pk=charge.pk)
        .values_list("open_amount", flat=True)
        .get()
    )


def open_charges(*, family):
    """The family's debits with something left to pay, oldest first, each
    with `open_amount`. One query."""
    return (
        with_open_amounts(
            LedgerEntry.objects.filter(
                organization_id=family.organization_id, family=family
            )
        )
        .filter(STANDING & DEBIT)
        .filter(open_amount__gt=0)
        .select_related("student", "location", "enrollment")
        .order_by("posted_at", "pk")
    )


def family_totals(*, family) -> tuple[Decimal, Decimal]:
    """(owed, credit) of a family, in two queries: the sums of its standing
    debits, sources and refunds, and the sum of their standing allocations."""
    money = {"output_field": MONEY_FIELD, "default": ZERO}
    sums = (
        LedgerEntry.objects.filter(
            organization_id=family.organization_id, family=family
        )
        .annotate(reversed=_reversed())
        .filter(STANDING)
        .aggregate(
            debits=Sum("amount", filter=DEBIT, **money),
            sources=Sum(
                "amount",
                filter=Q(kind__in=[EntryKind.PAYMENT, EntryKind.CREDIT]),
                **money,
            ),
            negative=Sum(
                "amount", filter=Q(kind=EntryKind.ADJUSTMENT, amount__lt=0), **money
            ),
            refunds=Sum("amount", filter=Q(kind=EntryKind.REFUND), **money),
        )
    )
    allocated = (
        _standing_allocations()
        .filter(organization_id=family.organization_id, source__family=family)
        .aggregate(total=Sum("amount", **money))["total"]
    )
    owed = sums["debits"] - allocated
    credit = sums["sources"] - sums["negative"] - allocated - sums["refunds"]
    if credit < 0:
        # More was refunded than stands paid (a refunded payment was later
        # reversed): the family owes the difference.
        owed, credit = owed - credit, ZERO
    return owed, credit


def family_balance(*, family) -> Decimal:
    """What the family owes: the open part of its charges (never below 0)."""
    return family_totals(family=family)[0]


def family_credit(*, family) -> Decimal:
    """The family's credit: payments and credits not applied to a charge
    and not refunded (never below 0)."""
    return family_totals(family=family)[1]


def entries_for(*, family):
    """The family's ledger, oldest first, with what a listing shows."""
    return (
        LedgerEntry.objects.filter(
            organization_id=family.organization_id, family=family
        )
        .select_related("student", "location", "payment", "reverses")
        .order_by("posted_at", "pk")
    )
