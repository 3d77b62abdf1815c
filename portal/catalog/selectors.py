"""Reads for the catalog: meeting dates, openings and who may enroll."""

import datetime
import zoneinfo
from dataclasses import dataclass

from dateutil.rrule import WEEKLY, rrule
from django.db.models import Count
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
        organization=family.organization, start=today, end=horizon
    )
    meetings = []
    for enrollment in enrollments:
        start = max(today, enrollment.starts_on or today)
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


def classes_for(*, organization, today=None):
    """Classes still running, with what listing pages need and the number of
    active enrollments, in one query plus one for schedules. Counts are
    correlated subqueries, not a join and GROUP BY over every class."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from portal.enrollments.models import Enrollment, EnrollmentStatus

    today = today or timezone.localdate()
    active = (
        Enrollment.objects.with_scopes_disabled()
        .filter(klass=OuterRef("pk"), status=EnrollmentStatus.ACTIVE)
        .order_by()
        .values("klass")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Class.objects.filter(organization=organization, season_end__gte=today)
        .select_related("program", "level", "location", "instructor")
        .prefetch_related("schedules")
        .annotate(enrolled=Coalesce(Subquery(active, output_field=IntegerField()), 0))
    )


@dataclass(frozen=True)
class Seats:
    capacity: int
    enrolled: int

    @property
    def open(self):
        return max(self.capacity - self.enrolled, 0)


def class_seats(*, klass):
    """Seats of one class. (Cart holds join this count when the cart exists.)"""
    from portal.enrollments.models import EnrollmentStatus

    enrolled = klass.enrollments.filter(status=EnrollmentStatus.ACTIVE).count()
    return Seats(capacity=klass.capacity, enrolled=enrolled)


def openings_label(klass):
    """'3 openings', 'Full – waitlist available' or 'Full' (needs .enrolled)."""
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    left = max(klass.capacity - klass.enrolled, 0)
    if left:
        return ngettext("%(n)d opening", "%(n)d openings", left) % {"n": left}
    if klass.waitlist_allowed:
        return _("Full – waitlist available")
    return _("Full")


def class_list(*, organization, today=None):
    """Classes for the booking list, in a sensible order: program, first
    weekday, start time, name."""
    from django.db.models import OuterRef, Subquery

    from .models import ClassSchedule

    first = ClassSchedule.objects.filter(klass=OuterRef("pk")).order_by(
        "weekday", "start_time"
    )
    return (
        classes_for(organization=organization, today=today)
        .annotate(
            first_weekday=Subquery(first.values("weekday")[:1]),
            first_start=Subquery(first.values("start_time")[:1]),
        )
        .order_by(
            "program__sort_order",
            "program__name",
            "first_weekday",
            "first_start",
            "name",
            "pk",
        )
    )


def class_for_detail(*, organization, class_id, today=None):
    return (
        classes_for(organization=organization, today=today).filter(pk=class_id).first()
    )


def upcoming_class_meetings(*, klass, today=None, weeks=8, limit=12):
    today = today or timezone.localdate()
    end = today + datetime.timedelta(weeks=weeks)
    blackouts = blackouts_for(organization=klass.organization_id, start=today, end=end)
    return class_meetings(klass=klass, start=today, end=end, blackouts=blackouts)[
        :limit
    ]
