"""Reads for the catalog: meeting dates, openings and who may enroll."""

import datetime
import zoneinfo
from dataclasses import dataclass

from dateutil.rrule import WEEKLY, rrule
from django.utils import timezone

from portal.families.models import age_in_months

from .models import Blackout, Class, GenderRule


@dataclass(frozen=True)
class Meeting:
    """One occurrence of a class, camp day or party, in the location's zone."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    title: str
    location: object
    kind: str
    cancelled_by: str = ""
    student: object = None

    @property
    def cancelled(self):
        return bool(self.cancelled_by)


def _zone(location):
    return zoneinfo.ZoneInfo(location.time_zone or "UTC")


def _at(day, time, zone):
    # Wall-clock time at the location: a 5 pm class stays at 5 pm across a
    # daylight-saving change, whatever its UTC offset that day.
    return datetime.datetime.combine(day, time, tzinfo=zone)


def blackouts_for(*, organization, start, end):
    return list(
        Blackout.objects.filter(
            organization=organization, start_date__lte=end, end_date__gte=start
        )
    )


def _cancelled_by(blackouts, location, day, start, end):
    for blackout in blackouts:
        if blackout.location_id not in (None, location.pk):
            continue
        if blackout.covers(day, start, end):
            return blackout.name
    return ""


def class_meetings(*, klass, start, end, blackouts):
    """Meetings of a class between two dates (inclusive), blackouts marked.

    `klass.schedules` and `klass.location` should be prefetched."""
    first = max(start, klass.season_start)
    last = min(end, klass.season_end)
    if last < first:
        return []
    zone = _zone(klass.location)
    meetings = []
    for schedule in klass.schedules.all():
        days = rrule(
            WEEKLY,
            byweekday=schedule.weekday,
            dtstart=datetime.datetime.combine(first, datetime.time()),
            until=datetime.datetime.combine(last, datetime.time()),
        )
        for moment in days:
            day = moment.date()
            meetings.append(
                Meeting(
                    starts_at=_at(day, schedule.start_time, zone),
                    ends_at=_at(day, schedule.end_time, zone),
                    title=klass.name,
                    location=klass.location,
                    kind="class",
                    cancelled_by=_cancelled_by(
                        blackouts,
                        klass.location,
                        day,
                        schedule.start_time,
                        schedule.end_time,
                    ),
                )
            )
    meetings.sort(key=lambda m: m.starts_at)
    return meetings


def event_meetings(*, event, start, end, blackouts):
    zone = _zone(event.location)
    day = max(start, event.start_date)
    last = min(end, event.end_date)
    meetings = []
    while day <= last:
        meetings.append(
            Meeting(
                starts_at=_at(day, event.daily_start, zone),
                ends_at=_at(day, event.daily_end, zone),
                title=event.name,
                location=event.location,
                kind="event",
                cancelled_by=_cancelled_by(
                    blackouts, event.location, day, event.daily_start, event.daily_end
                ),
            )
        )
        day += datetime.timedelta(days=1)
    return meetings


def coming_up(*, family, now=None, days=30, limit=15):
    """Up to `limit` meetings of the family's enrollments in the next `days`
    days, cancelled ones included and marked. A fixed number of queries."""
    from portal.enrollments.models import Enrollment, EnrollmentStatus

    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = today + datetime.timedelta(days=days)
    # Today is a UTC date; at a location behind UTC it may still be
    # yesterday. Meetings are looked for from the day before, and those that
    # have ended are dropped below.
    since = today - datetime.timedelta(days=1)
    enrollments = list(
        Enrollment.objects.filter(
            student__family=family, status=EnrollmentStatus.ACTIVE
        )
        .select_related(
            "student",
            "klass__location",
            "event__location",
            "party_slot__location",
            "party_package",
        )
        .prefetch_related("klass__schedules")
    )
    blackouts = blackouts_for(
        organization=family.organization, start=since, end=horizon
    )
    meetings = []
    for enrollment in enrollments:
        start = max(since, enrollment.starts_on or since)
        if enrollment.klass_id:
            found = class_meetings(
                klass=enrollment.klass, start=start, end=horizon, blackouts=blackouts
            )
        elif enrollment.event_id:
            found = event_meetings(
                event=enrollment.event, start=start, end=horizon, blackouts=blackouts
            )
        else:
            slot = enrollment.party_slot
            length = datetime.timedelta(
                minutes=enrollment.party_package.duration_minutes
                if enrollment.party_package
                else 90
            )
            local = timezone.localtime(slot.starts_at, _zone(slot.location))
            found = [
                Meeting(
                    starts_at=local,
                    ends_at=local + length,
                    title=str(enrollment.party_package or "Party"),
                    location=slot.location,
                    kind="party",
                )
            ]
        for meeting in found:
            if now <= meeting.ends_at and meeting.starts_at.date() <= horizon:
                meetings.append(
                    Meeting(**{**meeting.__dict__, "student": enrollment.student})
                )
    meetings.sort(key=lambda m: (m.starts_at, m.student.first_name))
    return meetings[:limit]


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    reasons: tuple = ()


def class_eligibility(
    *, klass, student=None, date_of_birth=None, gender="", blocked=False, now=None
):
    """Whether a student (or a child of this birth date and gender) may enroll
    in a class online. The one place these rules live; the cart reuses it."""
    now = now or timezone.now()
    reasons = []
    if student is not None:
        date_of_birth = student.date_of_birth
        gender = student.gender
    if date_of_birth is not None:
        months = age_in_months(date_of_birth, klass.season_start)
        if months < klass.min_age_in_months:
            reasons.append("too_young")
        top = klass.max_age_in_months
        if top is not None and months > top:
            reasons.append("too_old")
    if klass.gender != GenderRule.ANY and gender != klass.gender:
        reasons.append("gender")
    if not klass.online_enrollment:
        reasons.append("offline")
    if klass.registration_opens_at and klass.registration_opens_at > now:
        reasons.append("not_open")
    if blocked:
        reasons.append("policy")
    return Eligibility(ok=not reasons, reasons=tuple(reasons))


def class_first_days(*, organization):
    """The distinct first days of the organization's classes (a season has
    few), cached under the organization's catalog_version."""
    from django.core.cache import cache

    key = f"portico:first-days:{organization.pk}:{organization.catalog_version}"
    days = cache.get(key)
    if days is None:
        days = sorted(
            Class.objects.filter(organization=organization)
            .order_by()
            .values_list("season_start", flat=True)
            .distinct()
        )
        cache.set(key, days, 60 * 60)
    return days


def suitable_for_child(queryset, *, organization, date_of_birth, gender=""):
    """Narrow the organization's classes to those a child of this birth date
    and gender fits: old enough and not too old on the class's first day, and
    the class is for any gender or the child's. The same rules as
    class_eligibility(): the child's age in months is computed by
    age_in_months() for each distinct first day, and compared in SQL with
    each class's bounds."""
    from functools import reduce
    from operator import or_

    from django.db.models import F, Q

    starts = class_first_days(organization=organization)
    terms = []
    for start in starts:
        months = age_in_months(date_of_birth, start)
        terms.append(
            Q(season_start=start, min_months__lte=months)
            & (Q(max_age_years__isnull=True) | Q(max_months__gte=months))
        )
    if not terms:
        return queryset.none()
    genders = [GenderRule.ANY] + ([gender] if gender else [])
    return (
        queryset.alias(
            min_months=F("min_age_years") * 12 + F("min_age_months"),
            max_months=F("max_age_years") * 12 + F("max_age_months"),
        )
        .filter(reduce(or_, terms))
        .filter(gender__in=genders)
    )


def classes_for(*, organization, today=None):
    """Classes still running, with what listing pages need, in one query plus
    one for schedules. Seat counts are added for the rows shown, by
    with_seats(), so the list does not count seats of every class."""
    today = today or timezone.localdate()
    return (
        Class.objects.filter(organization=organization, season_end__gte=today)
        .select_related("organization", "program", "level", "location", "instructor")
        .prefetch_related("schedules")
    )


def enrollments_active():
    from portal.enrollments.models import Enrollment, EnrollmentStatus

    return Enrollment.objects.with_scopes_disabled().filter(
        status=EnrollmentStatus.ACTIVE
    )


def holds_live(now):
    from portal.cart.models import CartItem

    # A waitlist item in a cart holds no seat.
    return CartItem.objects.with_scopes_disabled().filter(
        expires_at__gt=now, waitlist=False
    )


def with_seats(queryset, *, field="klass", now=None):
    """Annotate classes (or, with field="event", camps) with `enrolled` (active
    enrollments), `held` (unexpired cart items) and `open_seats` (capacity
    minus both, never below 0). Each is a subquery per row: use it on the rows
    a page shows, or to filter on open seats."""
    from django.db.models import F, Func, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Greatest

    now = now or timezone.now()

    def count(rows):
        # SELECT COUNT(*) ... WHERE <row> = outer: a plain function, not an
        # aggregate, so there is no GROUP BY and no row becomes 0 by itself.
        number = Func(
            function="COUNT", template="COUNT(*)", output_field=IntegerField()
        )
        return Subquery(
            rows.filter(**{field: OuterRef("pk")})
            .order_by()
            .annotate(n=number)
            .values("n"),
            output_field=IntegerField(),
        )

    return queryset.annotate(
        enrolled=count(enrollments_active()), held=count(holds_live(now))
    ).annotate(open_seats=Greatest(F("capacity") - F("enrolled") - F("held"), Value(0)))


def with_openings(queryset, *, now=None):
    """Only the classes with an open seat: capacity above the stored number of
    seats taken (`Class.seats_taken`, kept by the enrollment services) plus
    the unexpired holds. Nothing is counted per class: full classes drop out
    on their own columns, and the few classes whose live holds fill the rest
    are found from the live holds themselves (one small query)."""
    from collections import Counter

    from django.db.models import F

    now = now or timezone.now()
    holds = holds_live(now).filter(klass__isnull=False).order_by()
    held = Counter()
    free = {}
    for klass_id, capacity, taken in holds.values_list(
        "klass_id", "klass__capacity", "klass__seats_taken"
    ):
        held[klass_id] += 1
        free[klass_id] = capacity - taken
    filled = [klass_id for klass_id, n in held.items() if n >= free[klass_id]]
    queryset = queryset.filter(capacity__gt=F("seats_taken"))
    return queryset.exclude(pk__in=filled) if filled else queryset


@dataclass(frozen=True)
class Seats:
    capacity: int
    enrolled: int
    held: int = 0

    @property
    def open(self):
        return max(self.capacity - self.enrolled - self.held, 0)


def class_seats(*, klass, now=None):
    """Capacity, active enrollments, unexpired holds and open seats of a class."""
    enrolled, held = (
        with_seats(Class.objects.filter(pk=klass.pk), now=now)
        .values_list("enrolled", "held")
        .get()
    )
    return Seats(capacity=klass.capacity, enrolled=enrolled, held=held)


def openings_label(klass):
    """'3 openings', 'Full – waitlist available' or 'Full' (needs open_seats)."""
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    left = klass.open_seats
    if left:
        return ngettext("%(n)d opening", "%(n)d openings", left) % {"n": left}
    if klass.waitlist_allowed:
        return _("Full – waitlist available")
    return _("Full")


def class_list(*, organization, today=None):
    """Classes for the booking list, in a sensible order: program, first
    weekday, start time, name (the first meeting is kept on the class)."""
    return classes_for(organization=organization, today=today).order_by(
        "program__sort_order",
        "program__name",
        "first_weekday",
        "first_start",
        "name",
        "pk",
    )


def classes_by_ids(*, organization, ids, now=None):
    """Classes by id, in the order of `ids`, with what the list cards need:
    location, instructor, weekly meetings and seat counts, in three queries.
    Seats taken are the stored `seats_taken`, as the "openings only" filter
    reads them; the page's live holds are counted from the rows themselves."""
    from .models import ClassSchedule

    rows = Class.objects.filter(organization=organization, pk__in=ids).select_related(
        "location", "instructor"
    )
    by_id = {row.pk: row for row in rows}
    found = list(by_id)
    for row in by_id.values():
        row.organization = organization  # for price_label's currency
        row.schedule_list = []
        row.enrolled = row.seats_taken
        row.held = 0
    for schedule in ClassSchedule.objects.filter(klass_id__in=found).order_by(
        "weekday", "start_time"
    ):
        by_id[schedule.klass_id].schedule_list.append(schedule)
    holds = (
        holds_live(now or timezone.now())
        .filter(klass_id__in=found)
        .values_list("klass_id", flat=True)
        .order_by()
    )
    for klass_id in holds:
        by_id[klass_id].held += 1
    for row in by_id.values():
        row.open_seats = max(row.capacity - row.enrolled - row.held, 0)
    return [by_id[pk] for pk in ids if pk in by_id]


def class_for_detail(*, organization, class_id, today=None, now=None):
    return with_seats(
        classes_for(organization=organization, today=today).filter(pk=class_id),
        now=now,
    ).first()


def upcoming_class_meetings(*, klass, now=None, weeks=8, limit=12):
    """The class's next meetings that have not ended, from today at its
    location (not the server's UTC date), blackouts marked."""
    now = now or timezone.now()
    today = timezone.localdate(now, _zone(klass.location))
    end = today + datetime.timedelta(weeks=weeks)
    blackouts = blackouts_for(organization=klass.organization_id, start=today, end=end)
    found = class_meetings(klass=klass, start=today, end=end, blackouts=blackouts)
    return [meeting for meeting in found if meeting.ends_at >= now][:limit]


def filter_choices(*, organization, names):
    """Choices for the class list's program, level and instructor filters,
    sorted as staff sorted them: from the cache, else one query (a UNION).
    The cache key carries the organization's catalog_version, which any
    change to those rows raises (catalog/signals.py)."""
    from django.core.cache import cache

    wanted = sorted(set(names) & {"program", "level", "instructor"})
    if not wanted:
        return {}
    key = (
        f"portico:filter-choices:{organization.pk}:"
        f"{organization.catalog_version}:{','.join(wanted)}"
    )
    choices = cache.get(key)
    if choices is None:
        choices = _filter_choices(organization=organization, names=wanted)
        cache.set(key, choices, 60 * 60)
    return {name: list(rows) for name, rows in choices.items()}


def _filter_choices(*, organization, names):
    from django.db.models import CharField, IntegerField, Value

    from .models import Instructor, Level, Program

    def text(value):
        return Value(value, output_field=CharField())

    def number(value):
        return Value(value, output_field=IntegerField())

    parts = {
        "program": Program.objects.filter(organization=organization).values_list(
            text("program"), "pk", "name", text(""), "sort_order", number(0)
        ),
        "level": Level.objects.filter(organization=organization).values_list(
            text("level"),
            "pk",
            "name",
            "program__name",
            "program__sort_order",
            "sort_order",
        ),
        "instructor": Instructor.objects.filter(organization=organization).values_list(
            text("instructor"),
            "pk",
            "first_name",
            "last_name",
            number(0),
            number(0),
        ),
    }
    wanted = [parts[name].order_by() for name in parts if name in names]
    choices = {name: [] for name in parts if name in names}
    rows = wanted[0].union(*wanted[1:], all=True) if len(wanted) > 1 else wanted[0]

    def order(row):
        kind, _pk, name, extra, sort1, sort2 = row
        # Programs by their order; levels by program then their own order;
        # instructors by first and last name.
        return (kind, sort1, extra if kind == "level" else "", sort2, name, extra)

    for kind, pk, name, extra, _sort1, _sort2 in sorted(rows, key=order):
        if kind == "program":
            label = name
        elif kind == "level":
            label = f"{extra} – {name}"  # as Level.__str__, without a query
        else:
            label = f"{name} {extra}".strip()
        choices[kind].append((pk, label))
    return choices
