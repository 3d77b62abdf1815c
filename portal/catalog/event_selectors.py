"""Reads for the camp (event) and party booking pages.

Each takes the organization explicitly and runs a fixed number of queries,
whatever the number of camps, slots or enrollments."""

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.enrollments.models import Enrollment, EnrollmentStatus

from .models import Event, PartyPackage, PartySlot
from .selectors import blackouts_for, event_meetings, holds_live, with_seats


def _events(organization, now=None):
    return with_seats(
        Event.objects.filter(organization=organization).select_related("location"),
        field="event",
        now=now,
    )


def events_upcoming(*, organization, today=None):
    """Camps that have not ended yet, at every location, soonest first, with
    `enrolled`, `held` and `open_seats` (capacity minus active enrollments and
    unexpired cart holds), and `cancelled_by` (see camp_cancelled_by). Two
    queries: the camps, and the blackouts over their dates."""
    today = today or timezone.localdate()
    events = list(
        _events(organization)
        .filter(end_date__gte=today)
        .order_by("start_date", "name", "pk")
    )
    if not events:
        return events
    blackouts = blackouts_for(
        organization=organization,
        start=min(event.start_date for event in events),
        end=max(event.end_date for event in events),
    )
    for event in events:
        event.cancelled_by = camp_cancelled_by(
            event_meetings(
                event=event,
                start=event.start_date,
                end=event.end_date,
                blackouts=blackouts,
            )
        )
    return events


def event_get(*, organization, event_id):
    """One camp of this organization (raises Event.DoesNotExist otherwise)."""
    return _events(organization).get(pk=event_id)


def event_days(*, event):
    """Every day of a camp in its location's zone, blackouts marked. One query."""
    blackouts = blackouts_for(
        organization=event.organization_id,
        start=event.start_date,
        end=event.end_date,
    )
    return event_meetings(
        event=event, start=event.start_date, end=event.end_date, blackouts=blackouts
    )


def camp_cancelled_by(days):
    """The blackouts that cancel every day of a camp ("Spring Break", or
    "Storm, Repairs" when several do), or "" when at least one day still
    runs. A camp cancelled this way has no openings and is not offered for
    booking; `days` are its meetings from event_meetings()."""
    if not days or any(not day.cancelled for day in days):
        return ""
    return ", ".join(dict.fromkeys(day.cancelled_by for day in days))


def ages_text(item):
    """ "Ages 4 to 12", "Ages 3 years 6 months and up", "All ages"."""

    def age(years, months):
        if months:
            return _("%(years)s years %(months)s months") % {
                "years": years,
                "months": months,
            }
        return str(years)

    low = age(item.min_age_years, item.min_age_months)
    if item.max_age_years is None:
        if item.min_age_in_months == 0:
            return _("All ages")
        return _("Ages %(low)s and up") % {"low": low}
    high = age(item.max_age_years, item.max_age_months)
    return _("Ages %(low)s to %(high)s") % {"low": low, "high": high}


def party_packages(*, organization):
    return PartyPackage.objects.filter(organization=organization).order_by(
        "price", "name", "pk"
    )


def party_package_get(*, organization, package_id):
    """One package of this organization (raises PartyPackage.DoesNotExist)."""
    return party_packages(organization=organization).get(pk=package_id)


@dataclass(frozen=True)
class PartyTime:
    slot: PartySlot
    starts_at: datetime.datetime
    ends_at: datetime.datetime


@dataclass
class PartyDay:
    day: datetime.date
    times: list = field(default_factory=list)


def party_days_open(*, organization, location, package, now=None):
    """Future slots at one location that nobody has booked or holds in a
    cart (no active enrollment, no unexpired cart item), grouped by the local
    date in the location's time zone, times in that zone and the package's
    length. One query."""
    if location is None:
        return []
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(location.time_zone or "UTC")
    taken = Enrollment.objects.filter(
        party_slot=OuterRef("pk"), status=EnrollmentStatus.ACTIVE
    )
    slots = (
        PartySlot.objects.filter(
            organization=organization, location=location, starts_at__gt=now
        )
        .filter(~Exists(taken))
        .filter(~Exists(holds_live(now).filter(party_slot=OuterRef("pk"))))
        .order_by("starts_at")
    )
    length = datetime.timedelta(minutes=package.duration_minutes)
    days = []
    for slot in slots:
        local = slot.starts_at.astimezone(zone)
        if not days or days[-1].day != local.date():
            days.append(PartyDay(day=local.date()))
        days[-1].times.append(
            PartyTime(slot=slot, starts_at=local, ends_at=local + length)
        )
    return days
