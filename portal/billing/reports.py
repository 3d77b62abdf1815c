"""Reads for the billing reports: aging by family, payments by day and
method. Each takes the organization explicitly and lets the database do the
sums, so a report costs the same few queries whatever its size.

Aging puts what is still open of each charge (billing.selectors: standing
debits less their standing allocations) into a bucket by the days between
its due date (the charge's `due_on`, else the day it was posted) and the
report's date: current (not due yet, or due that day), 1–30, 31–60, 61–90
and over 90 days.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.utils.translation import gettext_lazy as _

from portal.formatting import zone_of

from .models import EntryKind, LedgerEntry, MethodKind
from .selectors import DEBIT, MONEY_FIELD, STANDING, _reversed, with_open_amounts

ZERO = Decimal("0.00")

AGING_BUCKETS = (
    ("current", _("Current")),
    ("days_1_30", _("1–30 days")),
    ("days_31_60", _("31–60 days")),
    ("days_61_90", _("61–90 days")),
    ("over_90", _("Over 90 days")),
)


def _bucket_filters(as_of: datetime.date) -> dict:
    def ago(days):
        return as_of - datetime.timedelta(days=days)

    return {
        "current": Q(due__gte=as_of),
        "days_1_30": Q(due__lt=as_of, due__gte=ago(30)),
        "days_31_60": Q(due__lt=ago(30), due__gte=ago(60)),
        "days_61_90": Q(due__lt=ago(60), due__gte=ago(90)),
        "over_90": Q(due__lt=ago(90)),
    }


def _open_debits(*, organization, location=None):
    entries = LedgerEntry.objects.filter(organization=organization)
    if location is not None:
        entries = entries.filter(location=location)
    return (
        with_open_amounts(entries)
        .filter(STANDING & DEBIT)
        .filter(open_amount__gt=0)
        .annotate(due=Coalesce("due_on", TruncDate("posted_at")))
    )


def _bucket_sums(as_of):
    money = {"output_field": MONEY_FIELD, "default": ZERO}
    sums = {
        name: Sum("open_amount", filter=condition, **money)
        for name, condition in _bucket_filters(as_of).items()
    }
    sums["total"] = Sum("open_amount", **money)
    return sums


def aging_by_family(*, organization, as_of: datetime.date, location=None):
    """One row (a dict) per family that owes something: family_id,
    family_name, the buckets of AGING_BUCKETS and total; by family name. A
    queryset: page it, or iterate it whole for the CSV."""
    return (
        _open_debits(organization=organization, location=location)
        .values("family_id", "family__name")
        .annotate(**_bucket_sums(as_of))
        .order_by("family__name", "family_id")
    )


def aging_totals(*, organization, as_of: datetime.date, location=None) -> dict:
    """The buckets and total over every family, and how many families owe."""
    return _open_debits(organization=organization, location=location).aggregate(
        families=Count("family_id", distinct=True), **_bucket_sums(as_of)
    )


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
