"""Statements, ledgers and year-end statements: issuing them, and the
Transaction History a family reads.

`statement_issue` reads the ledger once, at the moment of issue, and stores
everything the PDF prints in `Statement.content` (header, addresses, lines,
aging, totals), so a reprint is identical however the ledger has moved since
(the habit of pretix's `build_invoice`). Money is kept as Decimal strings and
dates as ISO strings; `portal.billing.pdf` formats them for the reader.

What each kind prints, for one family at one location:

* **Statement** — the charges connected with the location (posted there, or
  posted without a location when it is the organization's primary one)
  still open at the end of `as_of` in the location's time zone, each with
  its age in days past its due date (or its posting date when it has none)
  and the aging buckets current, 1–30, 31–60, 61–90 and over 90 days.
* **Ledger** — every entry of the location posted from `period_start` to
  `period_end` (inclusive, in the location's zone) with the balance before
  the period and a running balance.
* **Year-end statement** — the payments the family made in a calendar year,
  split per student by the payments' allocations to charges that carry a
  student, with the organization's tax ID, for dependent-care (FSA)
  claims. It covers every location: the tax ID is the organization's.

"As of" means as the ledger stood then: entries posted, allocations made
and reversals posted after the end of that day do not count.
"""

import datetime
import json
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Max, Q, Sum, When, Window
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.families.models import ContactAddress, Family, Guardian
from portal.formatting import zone_of

from .models import Allocation, EntryKind, LedgerEntry, Statement, StatementKind
from .money import round_money
from .selectors import MONEY_FIELD, ZERO

# Aging buckets, in print order: (key, label, lowest day past due, highest).
AGING_BUCKETS = (
    ("current", _("Current"), None, 0),
    ("1_30", _("1–30 days"), 1, 30),
    ("31_60", _("31–60 days"), 31, 60),
    ("61_90", _("61–90 days"), 61, 90),
    ("over_90", _("Over 90 days"), 91, None),
)
LEDGER_DEFAULT_DAYS = 30
# The longest range a family may choose for its ledger (full history on).
LEDGER_MAX_DAYS = 366 * 5
NUMBER_ATTEMPTS = 5

MESSAGES = {
    "kind_unknown": _("Choose a statement, a ledger or a year-end statement."),
    "no_location": _("Choose a location first."),
    "period_required": _("Enter both the first and the last day."),
    "period_order": _("The first day must be on or before the last day."),
    "period_future": _("The last day cannot be after today."),
    "period_too_long": _("Choose a range of at most five years."),
    "year_required": _("Choose a year."),
    "year_future": _("Choose this year or an earlier one."),
    "busy": _("Statements are being numbered by someone else; try again."),
}


class StatementError(Exception):
    """Something the person asking for a statement can fix."""

    def __init__(self, code, field=None):
        self.code = code
        self.field = field
        self.message = MESSAGES[code]
        super().__init__(str(self.message))


# Time ----------------------------------------------------------------------


def local_today(location, now=None) -> datetime.date:
    return timezone.localdate(now or timezone.now(), timezone=zone_of(location))


def _day_start(day: datetime.date, zone) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def _end_of(day: datetime.date, zone) -> datetime.datetime:
    """The first moment after `day` in `zone`."""
    return _day_start(day + datetime.timedelta(days=1), zone)


def ledger_period(*, location, now=None) -> tuple[datetime.date, datetime.date]:
    """The default ledger range: the last 30 days up to today (local)."""
    today = local_today(location, now)
    return today - datetime.timedelta(days=LEDGER_DEFAULT_DAYS - 1), today


def ledger_period_check(
    *, location, period_start, period_end, now=None
) -> tuple[datetime.date, datetime.date]:
    """A range a family chose for its ledger, or StatementError on the field."""
    if period_start is None:
        raise StatementError("period_required", field="period_start")
    if period_end is None:
        raise StatementError("period_required", field="period_end")
    if period_start > period_end:
        raise StatementError("period_order", field="period_start")
    if period_end > local_today(location, now):
        raise StatementError("period_future", field="period_end")
    if (period_end - period_start).days >= LEDGER_MAX_DAYS:
        raise StatementError("period_too_long", field="period_start")
    return period_start, period_end


def year_choices(*, family, location, now=None) -> list[int]:
    """Years a year-end statement can cover, newest first: from the family's
    first ledger entry (or this year) to this year."""
    this_year = local_today(location, now).year
    first = (
        LedgerEntry.objects.filter(
            organization_id=family.organization_id, family=family
        )
        .order_by("posted_at")
        .values_list("posted_at", flat=True)
        .first()
    )
    start = first.astimezone(zone_of(location)).year if first else this_year
    return list(range(this_year, min(start, this_year) - 1, -1))


# Reading the ledger as it stood ---------------------------------------------


def _at_location(location) -> Q:
    """Entries connected with the location: posted there, or posted without
    a location when it is the organization's primary location."""
    if location.is_primary:
        return Q(location=location) | Q(location__isnull=True)
    return Q(location=location)


def _connected(entry, location) -> bool:
    """_at_location for an entry already read."""
    if entry.location_id is None:
        return location.is_primary
    return entry.location_id == location.pk


class _LedgerAt:
    """The family's entries and allocations as they stood before `cutoff`,
    read in two queries; standing and open amounts worked out in Python."""

    def __init__(self, *, family, cutoff):
        self.entries = list(
            LedgerEntry.objects.filter(
                organization_id=family.organization_id,
                family=family,
                posted_at__lt=cutoff,
            )
            .select_related("student", "location")
            .order_by("posted_at", "pk")
        )
        self.by_pk = {entry.pk: entry for entry in self.entries}
        self.reversed = {e.reverses_id for e in self.entries if e.reverses_id}
        self.allocations = [
            allocation
            for allocation in Allocation.objects.filter(
                organization_id=family.organization_id,
                source__family=family,
                created_at__lt=cutoff,
            ).order_by("created_at", "pk")
            if self.stands(allocation.source_id) and self.stands(allocation.charge_id)
        ]

    def stands(self, pk) -> bool:
        entry = self.by_pk.get(pk)
        return (
            entry is not None and entry.reverses_id is None and pk not in self.reversed
        )

    def paid_on(self, charge) -> Decimal:
        return sum(
            (a.amount for a in self.allocations if a.charge_id == charge.pk), ZERO
        )

    def credit(self) -> Decimal:
        """Payments and credits not applied to a charge and not refunded."""
        sources = refunds = ZERO
        for entry in self.entries:
            if not self.stands(entry.pk):
                continue
            if entry.kind in (EntryKind.PAYMENT, EntryKind.CREDIT):
                sources += entry.amount
            elif entry.kind == EntryKind.ADJUSTMENT and entry.amount < 0:
                sources -= entry.amount
            elif entry.kind == EntryKind.REFUND:
                refunds += entry.amount
        allocated = sum((a.amount for a in self.allocations), ZERO)
        return max(sources - allocated - refunds, ZERO)


def _is_debit(entry) -> bool:
    return entry.kind == EntryKind.CHARGE or (
        entry.kind == EntryKind.ADJUSTMENT and entry.amount > 0
    )


def _bucket(days_past: int) -> str:
    for key, _label, low, high in AGING_BUCKETS:
        if (low is None or days_past >= low) and (high is None or days_past <= high):
            return key
    raise AssertionError(days_past)


def _student_name(entry) -> str:
    return entry.student.full_name if entry.student_id else ""


def _statement_body(*, family, location, as_of, zone):
    ledger = _LedgerAt(family=family, cutoff=_end_of(as_of, zone))
    aging = dict.fromkeys((key for key, *_rest in AGING_BUCKETS), ZERO)
    lines = []
    for entry in ledger.entries:
        if not (
            _is_debit(entry) and _connected(entry, location) and ledger.stands(entry.pk)
        ):
            continue
        paid = ledger.paid_on(entry)
        open_amount = entry.amount - paid
        if open_amount <= 0:
            continue
        posted = entry.posted_at.astimezone(zone).date()
        days_past = (as_of - (entry.due_on or posted)).days
        bucket = _bucket(days_past)
        aging[bucket] += open_amount
        lines.append(
            {
                "date": posted,
                "due": entry.due_on,
                "student": _student_name(entry),
                "description": entry.description,
                "amount": entry.amount,
                "paid": paid,
                "open": open_amount,
                "days_past_due": max(days_past, 0),
                "bucket": bucket,
            }
        )
    outstanding = sum(aging.values(), ZERO)
    return {
        "lines": lines,
        "aging": [
            {"key": key, "label": str(label), "amount": aging[key]}
            for key, label, *_rest in AGING_BUCKETS
        ],
        "totals": {"outstanding": outstanding, "credit": ledger.credit()},
    }, outstanding


KIND_LABELS = {
    EntryKind.CHARGE: _("Charge"),
    EntryKind.PAYMENT: _("Payment"),
    EntryKind.REFUND: _("Refund"),
    EntryKind.CREDIT: _("Credit"),
    EntryKind.ADJUSTMENT: _("Adjustment"),
}


def _ledger_body(*, family, location, period_start, period_end, zone):
    start = _day_start(period_start, zone)
    end = _end_of(period_end, zone)
    rows = (
        LedgerEntry.objects.filter(
            organization_id=family.organization_id, family=family, posted_at__lt=end
        )
        .filter(_at_location(location))
        .select_related("student")
        .order_by("posted_at", "pk")
    )
    opening = (
        rows.filter(posted_at__lt=start).aggregate(
            total=Sum(_signed(), output_field=MONEY_FIELD, default=ZERO)
        )["total"]
        or ZERO
    )
    balance = opening
    charges = payments = ZERO
    lines = []
    for entry in rows.filter(posted_at__gte=start):
        signed = entry.signed_amount
        balance += signed
        if signed > 0:
            charges += signed
        else:
            payments -= signed
        lines.append(
            {
                "date": entry.posted_at.astimezone(zone).date(),
                "kind": entry.kind,
                "kind_label": str(KIND_LABELS[EntryKind(entry.kind)]),
                "student": _student_name(entry),
                "description": entry.description,
                "charge": signed if signed > 0 else None,
                "payment": -signed if signed < 0 else None,
                "balance": balance,
            }
        )
    return {
        "lines": lines,
        "totals": {
            "opening": opening,
            "charges": charges,
            "payments": payments,
            "closing": balance,
        },
    }, balance


def _year_end_body(*, family, year, zone, cutoff):
    ledger = _LedgerAt(family=family, cutoff=cutoff)
    start = _day_start(datetime.date(year, 1, 1), zone)
    end = _day_start(datetime.date(year + 1, 1, 1), zone)

    def in_year(entry):
        return start <= entry.posted_at < end

    payments = [
        e
        for e in ledger.entries
        if e.kind == EntryKind.PAYMENT and ledger.stands(e.pk) and in_year(e)
    ]
    payment_ids = {p.pk for p in payments}
    students: dict[int, dict] = {}
    applied = ZERO
    for allocation in ledger.allocations:
        if allocation.source_id not in payment_ids:
            continue
        charge = ledger.by_pk[allocation.charge_id]
        if not charge.student_id:
            continue
        source = ledger.by_pk[allocation.source_id]
        group = students.setdefault(
            charge.student_id,
            {"name": charge.student.full_name, "lines": [], "total": ZERO},
        )
        group["lines"].append(
            {
                "date": source.posted_at.astimezone(zone).date(),
                "description": charge.description,
                "method": source.description,
                "amount": allocation.amount,
            }
        )
        group["total"] += allocation.amount
        applied += allocation.amount
    total_paid = sum((p.amount for p in payments), ZERO)
    refunds = sum(
        (
            e.amount
            for e in ledger.entries
            if e.kind == EntryKind.REFUND and ledger.stands(e.pk) and in_year(e)
        ),
        ZERO,
    )
    groups = sorted(students.values(), key=lambda group: group["name"])
    for group in groups:
        group["lines"].sort(key=lambda line: line["date"])
    return {
        "students": groups,
        "payments": [
            {
                "date": p.posted_at.astimezone(zone).date(),
                "description": p.description,
                "amount": p.amount,
            }
            for p in payments
        ],
        "totals": {
            "paid": total_paid,
            "for_students": applied,
            "not_for_students": total_paid - applied,
            "refunds": refunds,
            "net": total_paid - refunds,
        },
    }, total_paid


# The header ----------------------------------------------------------------

LOGO_FILTER = "max-480x160"


def _logo_name(portal_settings) -> str:
    """The storage name of the logo's print rendition ('' without a logo):
    stored in the statement so a reprint uses the same picture."""
    if not portal_settings.logo_id:
        return ""
    try:
        rendition = portal_settings.logo.get_rendition(LOGO_FILTER)
    except (OSError, ValueError):
        return ""
    return rendition.file.name


def _mailing_address(family):
    """The primary guardian's mailing address, else the family's own."""
    primary = (
        Guardian.objects.filter(
            organization_id=family.organization_id, family=family, is_primary=True
        )
        .only("first_name", "last_name")
        .first()
    )
    addresses = ContactAddress.objects.filter(
        organization_id=family.organization_id, family=family
    )
    address = None
    if primary is not None:
        address = addresses.filter(guardian=primary).first()
    if address is None:
        address = addresses.filter(guardian__isnull=True).first()
    lines = []
    if address is not None:
        city_line = " ".join(
            part
            for part in (
                ", ".join(p for p in (address.city, address.region) if p),
                address.postal_code,
            )
            if part
        )
        lines = [
            line
            for line in (address.line1, address.line2, city_line, address.country)
            if line
        ]
    return (primary.full_name if primary else ""), lines


def _header(*, family, location, kind, zone, now):
    organization = family.organization
    portal_settings = organization.portal_settings
    guardian, address_lines = _mailing_address(family)
    return {
        "version": 1,
        "kind": kind,
        "currency": organization.currency,
        "time_zone": str(zone),
        "issued_on": timezone.localdate(now, timezone=zone),
        "organization": {
            "name": organization.name,
            "logo": _logo_name(portal_settings),
            "tax_id": portal_settings.tax_id if kind == StatementKind.YEAR_END else "",
        },
        "location": {
            "name": location.name,
            "address_lines": location.address_lines,
            "phone": location.phone,
            "email": location.email,
        },
        "family": {
            "name": family.name,
            "guardian": guardian,
            "address_lines": address_lines,
        },
    }


# Issuing --------------------------------------------------------------------


def _next_number(organization_id) -> int:
    top = Statement.objects.filter(organization_id=organization_id).aggregate(
        top=Max("number")
    )["top"]
    return (top or 0) + 1


def _save_numbered(statement):
    """Insert with the organization's next number. Two issuing at once may
    pick the same number: the unique constraint refuses the second insert,
    which takes the next one."""
    for _attempt in range(NUMBER_ATTEMPTS):
        statement.number = _next_number(statement.organization_id)
        statement.content["number"] = statement.number
        try:
            with transaction.atomic():
                statement.save(force_insert=True)
        except IntegrityError:
            statement.pk = None
            statement._state.adding = True
            continue
        return statement
    raise StatementError("busy")


def _existing(*, family, idempotency_key):
    if not idempotency_key:
        return None
    return Statement.objects.filter(
        organization_id=family.organization_id,
        family=family,
        content__request_key=idempotency_key,
    ).first()


def statement_issue(
    *,
    family,
    location,
    kind: str,
    as_of: datetime.date,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    year: int | None = None,
    by=None,
    batch=None,
    idempotency_key: str = "",
    now=None,
) -> Statement:
    """Issue a statement, ledger or year-end statement for `family` at
    `location` and store what it prints. With an `idempotency_key`, the same
    key again returns the statement issued the first time.

    A ledger without a period covers the 30 days up to `as_of`; a year-end
    statement without a year covers `as_of`'s year."""
    now = now or timezone.now()
    if location is None:
        raise StatementError("no_location")
    if location.organization_id != family.organization_id:
        raise ValueError("The location belongs to another organization.")
    if kind not in StatementKind.values:
        raise StatementError("kind_unknown")
    zone = zone_of(location)
    if kind == StatementKind.LEDGER:
        if period_start is None and period_end is None:
            period_end = as_of
            period_start = as_of - datetime.timedelta(days=LEDGER_DEFAULT_DAYS - 1)
        elif period_start is None or period_end is None:
            raise StatementError(
                "period_required",
                field="period_start" if period_start is None else "period_end",
            )
        elif period_start > period_end:
            raise StatementError("period_order", field="period_start")
    if kind == StatementKind.YEAR_END:
        year = year or as_of.year
        period_start = datetime.date(year, 1, 1)
        period_end = datetime.date(year, 12, 31)

    with transaction.atomic():
        # One family issues one statement at a time, so a retried request
        # finds the statement its first attempt issued.
        Family.objects.select_for_update().filter(pk=family.pk).values_list(
            "pk", flat=True
        ).get()
        existing = _existing(family=family, idempotency_key=idempotency_key)
        if existing is not None:
            return existing
        content = _header(
            family=family, location=location, kind=kind, zone=zone, now=now
        )
        content["as_of"] = as_of
        content["period_start"] = period_start
        content["period_end"] = period_end
        content["year"] = year if kind == StatementKind.YEAR_END else None
        if kind == StatementKind.STATEMENT:
            body, total = _statement_body(
                family=family, location=location, as_of=as_of, zone=zone
            )
        elif kind == StatementKind.LEDGER:
            body, total = _ledger_body(
                family=family,
                location=location,
                period_start=period_start,
                period_end=period_end,
                zone=zone,
            )
        else:
            body, total = _year_end_body(
                family=family, year=year, zone=zone, cutoff=now
            )
        content.update(body)
        if idempotency_key:
            content["request_key"] = idempotency_key
        statement = Statement(
            organization_id=family.organization_id,
            family=family,
            location=location,
            kind=kind,
            number=0,
            issued_at=now,
            as_of=as_of,
            period_start=period_start,
            period_end=period_end,
            content=content,
            total=round_money(total),
            issued_by=by,
            batch=batch,
        )
        statement.full_clean(
            exclude=["organization", "family", "location", "issued_by", "batch"],
            validate_constraints=False,
        )
        # Stored as JSON would read it back, so the first print and every
        # reprint format exactly the same values.
        statement.content = _as_stored(content)
        return _save_numbered(statement)


def _as_stored(content):
    return json.loads(json.dumps(content, cls=DjangoJSONEncoder))


# Reading statements -----------------------------------------------------------


def statements_for(*, family, limit: int = 20):
    """The family's issued statements, newest first."""
    return Statement.objects.filter(
        organization_id=family.organization_id, family=family
    ).select_related("location")[:limit]


def statement_for(*, family, statement_id: int) -> Statement:
    """One of the family's statements (Statement.DoesNotExist otherwise)."""
    return Statement.objects.select_related("location").get(
        organization_id=family.organization_id, family=family, pk=statement_id
    )


def statement_html(statement: Statement, *, base_url: str = "") -> str:
    from .pdf import render_html

    return render_html(statement, base_url=base_url)


def statement_document(statement: Statement):
    from .pdf import render_document

    return render_document(statement)


def statement_pdf(statement: Statement) -> bytes:
    from .pdf import render_pdf

    return render_pdf(statement)


def statement_filename(statement: Statement) -> str:
    """ "statement-12.pdf", "ledger-13.pdf", "year-end-statement-14.pdf"."""
    if statement.kind == StatementKind.YEAR_END:
        return f"year-end-statement-{statement.number}.pdf"
    return f"{statement.kind}-{statement.number}.pdf"


# Transaction History -----------------------------------------------------------

HISTORY_KINDS = {
    "charges": [EntryKind.CHARGE],
    "payments": [EntryKind.PAYMENT, EntryKind.CREDIT],
    "refunds": [EntryKind.REFUND],
}


def _signed():
    """An entry's effect on what the family owes (BALANCE_SIGN in SQL)."""
    return Case(
        When(
            kind__in=[EntryKind.PAYMENT, EntryKind.CREDIT],
            then=-F("amount"),
        ),
        default=F("amount"),
        output_field=MONEY_FIELD,
    )


def history_entries(*, family, kind: str | None = None):
    """The family's ledger entries, newest first. `kind` None (or "all"):
    every entry, each with `running_balance` (what the family owed after it;
    below zero is credit). "charges", "payments" (with credits) or
    "refunds": those entries only. A constant number of queries to page
    through, however long the history."""
    rows = LedgerEntry.objects.filter(
        organization_id=family.organization_id, family=family
    ).select_related("student", "location")
    if kind in (None, "", "all"):
        rows = rows.annotate(
            running_balance=Window(
                Sum(_signed(), output_field=MONEY_FIELD),
                order_by=[F("posted_at").asc(), F("pk").asc()],
            )
        )
    elif kind in HISTORY_KINDS:
        rows = rows.filter(kind__in=HISTORY_KINDS[kind])
    else:
        raise StatementError("kind_unknown")
    return rows.order_by("-posted_at", "-pk")


__all__ = [
    "AGING_BUCKETS",
    "HISTORY_KINDS",
    "StatementError",
    "history_entries",
    "ledger_period",
    "ledger_period_check",
    "statement_document",
    "statement_for",
    "statement_filename",
    "statement_html",
    "statement_issue",
    "statement_pdf",
    "statements_for",
    "year_choices",
]
