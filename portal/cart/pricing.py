"""What a class, camp or party costs: the one place prices are computed.

The cart, checkout and the receipt all show the lines of a Quote from here,
so a parent sees the same figures at every step.

* Class, monthly tuition: the first month is prorated by the meetings left.
  The first month is the month (in the class's location's zone) of the first
  meeting that starts at or after `now` and is not cancelled by a blackout.
  Its tuition is the monthly tuition × the meetings left in that month from
  that meeting on ÷ all the class's weekly meetings in that calendar month,
  blackouts left out of both. (A class whose season starts mid-month pays for
  the meetings it has, as one that a family joins mid-month does.)
* Class, tuition per lesson: the tuition × the meetings left in that month.
* Registration fee: once per student, program and season. A student already
  enrolled (active) in a class of the same program whose season overlaps this
  one, or with such a class earlier in the same cart, does not pay it again,
  unless the class charges it for every enrollment. A waitlist place has paid
  nothing, so it does not count.
* Camp: the whole-camp price, or the price per day × the chosen days that
  are camp days and not cancelled by a blackout.
* Party: the package's deposit is due now; the rest is due on the party's
  date (in its location's zone).
* A waitlist item costs nothing.
"""

import datetime
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.billing.money import round_money
from portal.catalog.models import TuitionPeriod
from portal.catalog.selectors import blackouts_for, class_meetings, event_meetings
from portal.formatting import format_date

ZERO = Decimal("0.00")


@dataclass
class PriceLine:
    label: str
    amount: Decimal
    due_now: bool = True
    # "tuition", "registration_fee", "camp", "party_deposit", "party_balance"
    kind: str = "tuition"
    due_on: datetime.date | None = None


@dataclass
class Quote:
    lines: list[PriceLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def due_today(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.due_now), ZERO)

    @property
    def due_later(self) -> Decimal:
        return self.total - self.due_today


def _zone(location):
    return zoneinfo.ZoneInfo(location.time_zone or "UTC")


def _month_bounds(day):
    first = day.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def _meetings_in_month(klass, month_first, month_last, blackouts):
    """The class's weekly meetings in a whole calendar month, whatever its
    season: class_meetings() over the same schedules with the month as the
    season."""
    whole_month = SimpleNamespace(
        name=klass.name,
        location=klass.location,
        schedules=klass.schedules,
        season_start=month_first,
        season_end=month_last,
    )
    return class_meetings(
        klass=whole_month, start=month_first, end=month_last, blackouts=blackouts
    )


def _blackout_span(klass, now):
    """Dates whose blackouts can matter for pricing `klass` at `now`: whole
    months, from today's (or the season's first) to the season's last."""
    today = timezone.localdate(now, _zone(klass.location))
    start = min(max(today, klass.season_start), klass.season_end)
    return _month_bounds(start)[0], _month_bounds(klass.season_end)[1]


def _tuition_line(*, klass, now, blackouts):
    today = timezone.localdate(now, _zone(klass.location))
    upcoming = [
        meeting
        for meeting in class_meetings(
            klass=klass, start=today, end=klass.season_end, blackouts=blackouts
        )
        if meeting.starts_at >= now and not meeting.cancelled
    ]
    if not upcoming:
        return None
    # starts_at is in the location's zone: its date is the local date.
    month_first, month_last = _month_bounds(upcoming[0].starts_at.date())
    left = sum(1 for m in upcoming if m.starts_at.date() <= month_last)
    month = format_date(month_first, style="month")
    if klass.tuition_period == TuitionPeriod.LESSON:
        label = ngettext(
            "Tuition (%(count)s lesson in %(month)s)",
            "Tuition (%(count)s lessons in %(month)s)",
            left,
        ) % {"count": left, "month": month}
        amount = round_money(klass.tuition * left)
    else:
        in_month = sum(
            1
            for m in _meetings_in_month(klass, month_first, month_last, blackouts)
            if not m.cancelled
        )
        label = ngettext(
            "First month's tuition (%(left)s of %(total)s meeting in %(month)s)",
            "First month's tuition (%(left)s of %(total)s meetings in %(month)s)",
            in_month,
        ) % {"left": left, "total": in_month, "month": month}
        amount = round_money(klass.tuition * left / in_month)
    return PriceLine(label=label, amount=amount, kind="tuition")


def _fee_line(klass):
    return PriceLine(
        label=_("Registration fee"),
        amount=round_money(klass.registration_fee),
        kind="registration_fee",
    )


def _overlaps(a_start, a_end, b_start, b_end):
    return a_start <= b_end and b_start <= a_end


def _enrolled_seasons(student_ids):
    """(student_id, program_id, season_start, season_end, class_id) of the
    students' active class enrollments. One query."""
    from portal.enrollments.models import Enrollment, EnrollmentStatus

    if not student_ids:
        return []
    return list(
        Enrollment.objects.filter(
            student_id__in=student_ids,
            status=EnrollmentStatus.ACTIVE,
            klass__isnull=False,
        ).values_list(
            "student_id",
            "klass__program_id",
            "klass__season_start",
            "klass__season_end",
            "klass_id",
        )
    )


def _fee_paid(seasons, *, student_id, klass):
    return any(
        sid == student_id
        and program_id == klass.program_id
        and class_id != klass.pk
        and _overlaps(start, end, klass.season_start, klass.season_end)
        for sid, program_id, start, end, class_id in seasons
    )


def _quote_class(*, klass, now, blackouts, fee_due):
    lines = []
    tuition = _tuition_line(klass=klass, now=now, blackouts=blackouts)
    if tuition is not None and tuition.amount > 0:
        lines.append(tuition)
    if fee_due and klass.registration_fee > 0:
        lines.append(_fee_line(klass))
    return Quote(lines=lines)


def quote_class(*, klass, student, now, fee_already_due: bool | None = None) -> Quote:
    """The price of `student` enrolling in `klass` at `now`. `fee_already_due`
    True: the student pays the registration fee elsewhere (another enrollment
    or cart item); False: it is due here; None: look it up (one query)."""
    if klass.registration_fee_every_time:
        fee_due = True
    elif fee_already_due is None:
        fee_due = not _fee_paid(
            _enrolled_seasons([student.pk]), student_id=student.pk, klass=klass
        )
    else:
        fee_due = not fee_already_due
    start, end = _blackout_span(klass, now)
    blackouts = blackouts_for(organization=klass.organization_id, start=start, end=end)
    return _quote_class(klass=klass, now=now, blackouts=blackouts, fee_due=fee_due)


def _as_date(day):
    return day if isinstance(day, datetime.date) else datetime.date.fromisoformat(day)


def _quote_event(*, event, days, blackouts):
    if not days or event.price_per_day is None:
        return Quote(
            lines=[
                PriceLine(
                    label=_("Whole camp"), amount=round_money(event.price), kind="camp"
                )
            ]
        )
    running = {
        meeting.starts_at.date()
        for meeting in event_meetings(
            event=event, start=event.start_date, end=event.end_date, blackouts=blackouts
        )
        if not meeting.cancelled
    }
    chosen = sorted({_as_date(day) for day in days} & running)
    count = len(chosen)
    label = ngettext(
        "Camp, %(count)s chosen day", "Camp, %(count)s chosen days", count
    ) % {"count": count}
    return Quote(
        lines=[
            PriceLine(
                label=label,
                amount=round_money(event.price_per_day * count),
                kind="camp",
            )
        ]
    )


def quote_event(*, event, days, now) -> Quote:
    """The whole camp (no days, or a camp not sold by the day), or the chosen
    days (dates or ISO strings) that the camp runs on."""
    blackouts = blackouts_for(
        organization=event.organization_id, start=event.start_date, end=event.end_date
    )
    return _quote_event(event=event, days=days, blackouts=blackouts)


def quote_party(*, package, slot, now) -> Quote:
    """The deposit now, the rest on the party's date."""
    party_day = timezone.localtime(slot.starts_at, _zone(slot.location)).date()
    price = round_money(package.price)
    deposit = min(round_money(package.deposit), price)
    lines = []
    if deposit > 0:
        lines.append(
            PriceLine(label=_("Party deposit"), amount=deposit, kind="party_deposit")
        )
    if price - deposit > 0:
        lines.append(
            PriceLine(
                label=_("Party balance, due on %(date)s")
                % {"date": format_date(party_day)},
                amount=price - deposit,
                due_now=False,
                kind="party_balance",
                due_on=party_day,
            )
        )
    return Quote(lines=lines)


def quote_items(items, *, now) -> dict:
    """A Quote for each cart item (by id), for a whole cart in a fixed number
    of queries: the offerings not loaded yet, the classes' schedules, the
    blackouts over every item's dates, and the students' enrollments. Items
    are priced in the order given; the registration fee goes on the first
    class of a student's program and season."""
    items = list(items)
    prefetch_related_objects(
        items,
        "klass__location",
        "klass__schedules",
        "event__location",
        "party_slot__location",
        "party_package",
    )
    quotes = {}
    priced = [item for item in items if not item.waitlist]
    spans = []
    for item in priced:
        if item.klass_id:
            spans.append(_blackout_span(item.klass, now))
        elif item.event_id:
            spans.append((item.event.start_date, item.event.end_date))
    blackouts = []
    if spans:
        blackouts = blackouts_for(
            organization=priced[0].organization_id,
            start=min(start for start, _end in spans),
            end=max(end for _start, end in spans),
        )
    class_items = [item for item in priced if item.klass_id]
    seasons = _enrolled_seasons({item.student_id for item in class_items})
    for item in items:
        if item.waitlist:
            quotes[item.pk] = Quote()
        elif item.klass_id:
            klass = item.klass
            fee_due = klass.registration_fee_every_time or not _fee_paid(
                seasons, student_id=item.student_id, klass=klass
            )
            quotes[item.pk] = _quote_class(
                klass=klass, now=now, blackouts=blackouts, fee_due=fee_due
            )
            # Later classes of this program and season have their fee paid.
            seasons.append(
                (
                    item.student_id,
                    klass.program_id,
                    klass.season_start,
                    klass.season_end,
                    klass.pk,
                )
            )
        elif item.event_id:
            quotes[item.pk] = _quote_event(
                event=item.event, days=item.days, blackouts=blackouts
            )
        else:
            quotes[item.pk] = quote_party(
                package=item.party_package, slot=item.party_slot, now=now
            )
    return quotes
