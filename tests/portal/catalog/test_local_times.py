"""Every date and time a parent sees is at the location, not in UTC.

The server's zone is UTC; the classes below meet in Chicago (UTC-5 in
summer, UTC-6 after daylight saving ends on 1 November 2026). A Monday 5 PM
class is 10 PM or 11 PM UTC, and a Saturday 6 PM class is Sunday midnight
UTC in winter: the pages must still say Monday 5:00 PM and Saturday 6:00 PM."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django_scopes import scopes_disabled

from portal.catalog.models import Blackout, Event, Program
from portal.catalog.services import class_create, record_create
from portal.enrollments.services import enrollment_add
from tests.factories import make_family, make_organization

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NBSP = "\u00a0"


@pytest.fixture
def org():
    organization = make_organization(slug="swim")
    with scopes_disabled():
        organization.locations.update(time_zone="America/Chicago")
    return organization


def make_class(org, *, name, weekday, start, end, **fields):
    with scopes_disabled():
        program = record_create(Program, organization=org, name=f"P {name}")
        return class_create(
            organization=org,
            name=name,
            program=program,
            location=org.locations.get(),
            season_start=datetime.date(2026, 9, 1),
            season_end=datetime.date(2026, 12, 20),
            schedules=[{"weekday": weekday, "start_time": start, "end_time": end}],
            **fields,
        )


def meeting_rows(html):
    """(day, time, cancelled badge) of each meeting the page lists."""
    rows = re.findall(r'<li class="meeting[^"]*">(.*?)</li>', html, re.S)
    found = []
    for row in rows:
        day = re.search(r"<strong>(.*?)</strong>", row).group(1)
        when = re.search(r"</strong>\s*(\S+\s?[AP]M)", row).group(1)
        cancelled = re.search(r"Cancelled: ([^<]*)", row)
        found.append((day, when, cancelled.group(1) if cancelled else ""))
    return found


def test_class_detail_next_meetings_at_the_locations_time(client, org):
    klass = make_class(
        org,
        name="Monday Guppies",
        weekday=0,
        start=datetime.time(17),
        end=datetime.time(17, 45),
    )
    with scopes_disabled():
        record_create(
            Blackout,
            organization=org,
            name="Pool closed",
            start_date=datetime.date(2026, 11, 2),
            end_date=datetime.date(2026, 11, 2),
        )
    # Monday 19 October, 3 PM in Chicago: today's meeting is still to come.
    with time_machine.travel(datetime.datetime(2026, 10, 19, 20, tzinfo=UTC)):
        html = client.get(f"/portal/swim/booking/classes/{klass.pk}/").content.decode()
    assert f"Monday 5:00{NBSP}PM–5:45{NBSP}PM" in html  # "When"
    rows = meeting_rows(html)
    # Across the end of daylight saving (1 November) the meeting stays at 5 PM.
    assert rows[:4] == [
        ("Mon, Oct 19", f"5:00{NBSP}PM", ""),
        ("Mon, Oct 26", f"5:00{NBSP}PM", ""),
        ("Mon, Nov 2", f"5:00{NBSP}PM", "Pool closed"),
        ("Mon, Nov 9", f"5:00{NBSP}PM", ""),
    ]
    assert {when for _, when, _ in rows} == {f"5:00{NBSP}PM"}
    assert f"5:00{NBSP}PM–5:45{NBSP}PM</time>" in html
    assert 'datetime="2026-10-26T17:00:00-05:00"' in html
    assert 'datetime="2026-11-02T17:00:00-06:00"' in html
    assert "10:00" not in html and "11:00" not in html


def test_class_detail_today_is_the_locations_day(client, org):
    klass = make_class(
        org,
        name="Late Monday",
        weekday=0,
        start=datetime.time(20),
        end=datetime.time(20, 45),
    )
    # Monday 19 October 7 PM in Chicago is already Tuesday in UTC: tonight's
    # 8 PM meeting is next, not next week's.
    with time_machine.travel(datetime.datetime(2026, 10, 20, 0, tzinfo=UTC)):
        html = client.get(f"/portal/swim/booking/classes/{klass.pk}/").content.decode()
    assert meeting_rows(html)[0] == ("Mon, Oct 19", f"8:00{NBSP}PM", "")


def test_coming_up_shows_saturday_evening_on_saturday_with_its_blackout(client, org):
    guardian = make_family(org, email="mom@example.com", students=("Mia",))
    klass = make_class(
        org,
        name="Saturday Sharks",
        weekday=5,
        start=datetime.time(18),
        end=datetime.time(18, 45),
    )
    with scopes_disabled():
        enrollment_add(student=guardian.family.students.get(), klass=klass)
        # Saturday 7 November, after daylight saving ended: 6 PM in Chicago
        # is midnight in UTC, already Sunday there.
        record_create(
            Blackout,
            organization=org,
            name="Swim meet",
            start_date=datetime.date(2026, 11, 7),
            end_date=datetime.date(2026, 11, 7),
        )
    client.force_login(guardian.user)
    with time_machine.travel(datetime.datetime(2026, 10, 20, 15, tzinfo=UTC)):
        html = client.get("/portal/swim/home/").content.decode()
    assert meeting_rows(html) == [
        ("Sat, Oct 24", f"6:00{NBSP}PM", ""),
        ("Sat, Oct 31", f"6:00{NBSP}PM", ""),
        ("Sat, Nov 7", f"6:00{NBSP}PM", "Swim meet"),
        ("Sat, Nov 14", f"6:00{NBSP}PM", ""),
    ]
    assert f"6:00{NBSP}PM–6:45{NBSP}PM" in html
    assert "Sun," not in html and "12:00" not in html


def test_registration_opens_at_the_locations_time(client, org):
    klass = make_class(
        org,
        name="Winter Guppies",
        weekday=0,
        start=datetime.time(17),
        end=datetime.time(17, 45),
        # 15:00 UTC on 2 November is 9 AM in Chicago (CST, UTC-6).
        registration_opens_at=datetime.datetime(2026, 11, 2, 15, tzinfo=UTC),
        min_age_years=5,
        max_age_years=9,
        tuition=Decimal("88"),
        registration_fee=Decimal("25"),
    )
    with time_machine.travel(datetime.datetime(2026, 10, 5, 15, tzinfo=UTC)):
        detail = client.get(f"/portal/swim/booking/classes/{klass.pk}/")
        find = client.get("/portal/swim/booking/find/?date_of_birth=2019-03-10")
    html = detail.content.decode()
    assert f"Nov 2, 2026, 9:00{NBSP}AM" in html
    assert 'datetime="2026-11-02T09:00:00-06:00"' in html
    assert "$88.00 per month" in html and "Registration fee $25.00" in html
    card = find.content.decode()
    assert "Winter Guppies" in card
    assert f"Registration opens Nov 2, 2026, 9:00{NBSP}AM" in card
    assert "3:00" not in html + card


def test_camp_days_are_the_locations_dates(client):
    # Sydney is ahead of UTC: a 9 AM camp day there is the evening before in
    # UTC.
    org = make_organization(slug="surf")
    with scopes_disabled():
        org.locations.update(time_zone="Australia/Sydney")
        camp = record_create(
            Event,
            organization=org,
            name="Surf Camp",
            location=org.locations.get(),
            start_date=datetime.date(2026, 7, 13),
            end_date=datetime.date(2026, 7, 14),
            daily_start=datetime.time(9),
            daily_end=datetime.time(15),
            price=Decimal("250"),
        )
    with time_machine.travel(datetime.datetime(2026, 7, 1, tzinfo=UTC)):
        html = client.get(f"/portal/surf/booking/events/{camp.pk}/").content.decode()
    assert "Monday, July 13, 2026" in html and "Tuesday, July 14, 2026" in html
    assert "Sunday" not in html
    assert 'datetime="2026-07-13T09:00:00+10:00"' in html
    assert f"9:00{NBSP}AM</time> to" in html and "$250.00 for the whole camp" in html
