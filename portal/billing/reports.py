"""Reads for the billing reports: aging by family, payments by day and
method. Each takes the organization explicitly and lets the database do the
sums, so a report costs the same few queries whatever its size.

Aging puts what is still open of each charge (billing.selectors: standing
debits less their standing allocations) into a bucket by the days between
its due date (the charge's `due_on`, else the day it was posted, in the
location's time zone) and the report's date: current (not due yet, or due
that day), 1–30, 31–60, 61–90 and over 90 days.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.utils.translation import gettext_lazy as _

from portal.formatting import zone_of

from .models import EntryKind, LedgerEntry, MethodKind
from .money import round_money
from .selectors import DEBIT, STANDING, _reversed, _standing_allocations

ZERO = Decimal("0.00")

AGING_BUCKETS = (
    ("current", _("Current")),
    ("days_1_30", _("1–30 days")),
    ("days_31_60", _("31–60 days")),
    ("days_61_90", _("61–90 days")),
    ("over_90", _("Over 90 days")),
)


def _bucket(as_of: datetime.date, prefix: str = "", zone=None):
    """The index in AGING_BUCKETS of an entry's due date (its `due_on`, else
    the day it was posted, in `zone`) seen from `as_of`. Plain comparisons,
    no date function per row."""
    zone = zone_of(zone) or datetime.UTC

    def due_on_or_after(days):
        day = as_of - datetime.timedelta(days=days)
        midnight = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
        return Q(**{f"{prefix}due_on__gte": day}) | Q(
            **{f"{prefix}due_on__isnull": True, f"{prefix}posted_at__gte": midnight}
        )

    return Case(
        When(due_on_or_after(0), then=Value(0)),
        When(due_on_or_after(30), then=Value(1)),
        When(due_on_or_after(60), then=Value(2)),
        When(due_on_or_after(90), then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )


@dataclass
class AgingRow:
    family_id: int
    name: str
    amounts: list  # one per AGING_BUCKETS

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, ZERO)


def aging_by_family(
    *, organization, as_of: datetime.date, location=None, zone=None
) -> list[AgingRow]:
    """One row per family that owes something, by family name: what is open
    of its charges in each bucket of AGING_BUCKETS. Two grouped queries
    whatever the number of families: the standing debits' sums and their
    standing allocations' sums, per family and bucket (what is open of a
    charge is its amount less its allocations, never below zero)."""
    debits = (
        LedgerEntry.objects.filter(organization=organization, reverses__isnull=True)
        .filter(DEBIT)
        .annotate(reversed=_reversed())
        .filter(reversed=False)
    )
    allocations = _standing_allocations().filter(
        organization=organization, charge__reverses__isnull=True
    )
    if location is not None:
        debits = debits.filter(location=location)
        allocations = allocations.filter(charge__location=location)
    rows: dict[int, AgingRow] = {}
    for family_id, name, bucket, amount in (
        debits.annotate(bucket=_bucket(as_of, zone=zone))
        .values_list("family_id", "family__name", "bucket")
        .annotate(amount=Sum("amount"))
        .order_by()
    ):
        row = rows.setdefault(
            family_id, AgingRow(family_id, name, [ZERO] * len(AGING_BUCKETS))
        )
        row.amounts[bucket] += amount
    for family_id, bucket, amount in (
        allocations.annotate(bucket=_bucket(as_of, "charge__", zone))
        .values_list("charge__family_id", "bucket")
        .annotate(amount=Sum("amount"))
        .order_by()
    ):
        if family_id in rows:
            rows[family_id].amounts[bucket] -= amount
    owing = []
    for row in rows.values():
        row.amounts = [round_money(max(amount, ZERO)) for amount in row.amounts]
        if row.total > 0:
            owing.append(row)
    owing.sort(key=lambda row: (row.name.casefold(), row.family_id))
    return owing


def aging_totals(rows: list[AgingRow]) -> dict:
    """The buckets and total over the rows, and how many families owe."""
    amounts = [
        sum((row.amounts[index] for row in rows), ZERO)
        for index in range(len(AGING_BUCKETS))
    ]
    return {
        "families": len(rows),
        "amounts": amounts,
        "total": sum(amounts, ZERO),
    }


# Payments by day and method ----------------------------------------------------

METHOD_LABELS = {
    MethodKind.CARD.value: _("Card"),
    MethodKind.BANK.value: _("Bank account"),
    "cash": _("Cash"),
    "check": _("Check"),
    "other": _("Other"),
}


def method_label(key: str) -> str:
    return str(METHOD_LABELS.get(key, key.replace("_", " ").capitalize()))


@dataclass
class PaymentsRow:
    day: datetime.date
    method: str
    count: int
    amount: Decimal

    @property
    def method_label(self) -> str:
        return method_label(self.method)


def payments_by_day(
    *,
    organization,
    start: datetime.date,
    end: datetime.date,
    zone,
    location=None,
) -> list[PaymentsRow]:
    """Payments received from `start` to `end` (days in `zone`, the
    location's time zone), summed per day and method: the card or bank
    account of a gateway payment, else the payment's gateway (cash or check
    recorded by staff), else "other". Reversed payments are left out. One
    query."""
    zone = zone_of(zone)
    begin = datetime.datetime.combine(start, datetime.time(), tzinfo=zone)
    finish = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time(), tzinfo=zone
    )
    entries = LedgerEntry.objects.filter(
        organization=organization,
        kind=EntryKind.PAYMENT,
        posted_at__gte=begin,
        posted_at__lt=finish,
    )
    if location is not None:
        entries = entries.filter(location=location)
    rows = (
        entries.annotate(reversed=_reversed())
        .filter(STANDING)
        .annotate(
            day=TruncDate("posted_at", tzinfo=zone),
            method=Coalesce(
                NullIf("payment__method_kind", Value("")),
                NullIf("payment__gateway", Value("")),
                Value("other"),
            ),
        )
        .values("day", "method")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("day", "method")
    )
    return [
        PaymentsRow(
            day=row["day"],
            method=row["method"],
            count=row["count"],
            amount=row["amount"],
        )
        for row in rows
    ]


def payments_totals(rows: list[PaymentsRow]) -> dict:
    """{"methods": [(label, count, amount)], "count", "amount"} of the rows."""
    methods: dict[str, list] = {}
    for row in rows:
        entry = methods.setdefault(row.method, [0, ZERO])
        entry[0] += row.count
        entry[1] += row.amount
    return {
        "methods": [
            (method_label(key), count, amount)
            for key, (count, amount) in sorted(methods.items())
        ],
        "count": sum(row.count for row in rows),
        "amount": sum((row.amount for row in rows), ZERO),
    }
