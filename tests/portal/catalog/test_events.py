"""Camp (event) and party booking pages."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django_scopes import scopes_disabled

from portal.catalog.models import Blackout, Event, PartyPackage, PartySlot
from portal.catalog.services import record_create
from portal.enrollments.models import EnrollmentStatus
from portal.enrollments.services import enrollment_add
from tests.factories import make_family, make_hold, make_organization

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 7, 1, 12, tzinfo=datetime.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def org():
    organization = make_organization(name="Swim School", slug="swim", locations=2)
    with scopes_disabled():
        first, second = organization.locations.order_by("name")
        first.time_zone = "America/Chicago"
        first.save()
        second.time_zone = "America/New_York"
        second.save()
    return organization


@pytest.fixture
def other_org():
    return make_organization(name="Gym", slug="gym")


def locations(org):
    with scopes_disabled():
        return list(org.locations.order_by("name"))


def make_event(org, *, name="Summer Splash", days=(10, 14), location=None, **fields):
    start, end = (TODAY + datetime.timedelta(days=d) for d in days)
    with scopes_disabled():
        return record_create(
            Event,
            organization=org,
            name=name,
            location=location or locations(org)[0],
            start_date=start,
            end_date=end,
            daily_start=datetime.time(9),
            daily_end=datetime.time(15),
            capacity=fields.pop("capacity", 5),
            price=fields.pop("price", Decimal("250.00")),
            **fields,
        )


def make_package(org, *, name="Pool Party", **fields):
    with scopes_disabled():
        return record_create(
            PartyPackage,
            organization=org,
            name=name,
            duration_minutes=fields.pop("duration_minutes", 90),
            price=fields.pop("price", Decimal("300.00")),
            deposit=fields.pop("deposit", Decimal("50.00")),
            guest_limit=fields.pop("guest_limit", 12),
            **fields,
        )


def make_slot(org, location, starts_at):
    with scopes_disabled():
        return record_create(
            PartySlot, organization=org, location=location, starts_at=starts_at
        )


def enroll(org, *, event=None, slot=None, package=None, count=1):
    guardian = make_family(org, students=[f"Kid{i}" for i in range(count)])
    with scopes_disabled():
        enrollments = [
            enrollment_add(
                student=student, event=event, party_slot=slot, party_package=package
            )
            for student in guardian.family.students.all()
        ]
    return enrollments


def events_url(name="list", slug="swim", **kwargs):
    return reverse(f"events:{name}", kwargs={"org_slug": slug, **kwargs})


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


# Camps list


def test_list_shows_upcoming_camps_with_openings_and_full(client, org, other_org):
    first, second = locations(org)
    open_camp = make_event(org, name="Summer Splash", capacity=5)
    full_camp = make_event(org, name="Dive Week", days=(3, 5), capacity=2)
    make_event(org, name="Spring Camp", days=(-20, -1))
    make_event(org, name="Ending Today", days=(-3, 0), location=second)
    make_event(other_org, name="Gym Jam")
    enroll(org, event=open_camp, count=2)
    enroll(org, event=full_camp, count=2)
    dropped = enroll(org, event=open_camp)[0]
    with scopes_disabled():
        dropped.status = EnrollmentStatus.DROPPED
        dropped.save()

    response = client.get(events_url())

    assert response.status_code == 200
    html = text(response)
    assert "Summer Splash" in html
    assert "3 openings" in html
    assert "Full" in html
    assert "Spring Camp" not in html
    assert "Gym Jam" not in html
    assert "Ending Today" in html
    assert second.name in html
    # Sorted by start date: the ongoing camp, then Dive Week, then Summer Splash.
    assert html.index("Ending Today") < html.index("Dive Week")
    assert html.index("Dive Week") < html.index("Summer Splash")
    detail = events_url("detail", event_id=open_camp.pk)
    assert f'href="{detail}"' in html


def test_list_needs_no_login_and_handles_no_camps(client, org):
    response = client.get(events_url())
    assert response.status_code == 200
    assert "No camps are coming up" in text(response)


# Camp detail


def test_detail_shows_days_prices_and_a_cancelled_day(client, org):
    camp = make_event(
        org,
        price_per_day=Decimal("60.00"),
        min_age_years=5,
        max_age_years=12,
        description="Games and lessons.",
    )
    first = locations(org)[0]
    with scopes_disabled():
        record_create(
            Blackout,
            organization=org,
            location=first,
            name="Pool maintenance",
            start_date=camp.start_date + datetime.timedelta(days=2),
            end_date=camp.start_date + datetime.timedelta(days=2),
        )
        record_create(
            Blackout,
            organization=org,
            location=locations(org)[1],
            name="Other pool closed",
            start_date=camp.start_date,
            end_date=camp.end_date,
        )

    response = client.get(events_url("detail", event_id=camp.pk))

    assert response.status_code == 200
    html = text(response)
    assert "Summer Splash" in html
    assert "$250.00 for the whole camp" in html
    assert "$60.00 per day" in html
    assert "Ages 5 to 12" in html
    assert "Games and lessons." in html
    assert first.address_line1 in html
    assert html.count("Cancelled: Pool maintenance") == 1
    assert "Other pool closed" not in html
    cancelled_day = camp.start_date + datetime.timedelta(days=2)
    assert html.count('<li> <time datetime="') == 5
    assert f'datetime="{cancelled_day:%Y-%m-%d}T09:00:00-05:00"' in html
    assert '<time datetime="09:00">' in html


def blackout(org, name, first, last, location=None, **fields):
    with scopes_disabled():
        return record_create(
            Blackout,
            organization=org,
            location=location,
            name=name,
            start_date=TODAY + datetime.timedelta(days=first),
            end_date=TODAY + datetime.timedelta(days=last),
            **fields,
        )


def card_of(html, name):
    return html.split(name)[1].split("</li>")[0]


def test_a_camp_whose_every_day_is_blacked_out_is_cancelled_not_bookable(client, org):
    first, second = locations(org)
    cancelled = make_event(org, name="Storm Camp", days=(10, 14))
    partly = make_event(org, name="Half Camp", days=(20, 24))
    elsewhere = make_event(org, name="Dry Camp", days=(10, 14), location=second)
    # Every day of Storm Camp: a closure of the whole organization for three
    # days and one of its location for the rest.
    blackout(org, "Spring Break", 9, 12)
    blackout(org, "Repairs", 13, 14, location=first)
    blackout(org, "Half closed", 21, 22, location=first)

    html = text(client.get(events_url()))
    storm = card_of(html, "Storm Camp")
    assert "Cancelled" in storm
    assert "Every day of this camp falls in a closure (Spring Break, Repairs)" in storm
    assert "opening" not in storm and "$250.00" not in storm
    # Nothing leads to booking it: its name is not a link.
    assert events_url("detail", event_id=cancelled.pk) not in html
    # A camp with some days closed, and one at the other pool, stay open.
    assert "5 openings" in card_of(html, "Half Camp")
    assert "Cancelled" not in card_of(html, "Half Camp")
    assert events_url("detail", event_id=partly.pk) in html
    assert "5 openings" in card_of(html, "Dry Camp")
    assert events_url("detail", event_id=elsewhere.pk) in html

    detail = text(client.get(events_url("detail", event_id=cancelled.pk)))
    assert "Every day of this camp falls in a closure (Spring Break, Repairs)" in (
        detail
    )
    assert "opening" not in detail
    assert detail.count("Cancelled: Spring Break") == 3  # days 10 to 12
    assert detail.count("Cancelled: Repairs") == 2  # days 13 and 14

    half = text(client.get(events_url("detail", event_id=partly.pk)))
    assert "5 openings" in half and "closure" not in half
    assert half.count("Cancelled: Half closed") == 2


def test_a_camp_cancelled_by_closures_of_some_hours(client, org):
    # 9 AM to 3 PM camps; the pool is closed 8 to 10 AM on both days.
    make_event(org, name="Morning Camp", days=(10, 11))
    blackout(
        org,
        "Swim meet",
        10,
        11,
        start_time=datetime.time(8),
        end_time=datetime.time(10),
    )
    later = make_event(org, name="Afternoon Camp", days=(10, 11))
    with scopes_disabled():
        later.daily_start = datetime.time(13)
        later.daily_end = datetime.time(16)
        later.save()
    html = text(client.get(events_url()))
    morning = card_of(html, "Morning Camp")
    assert "Cancelled" in morning and "(Swim meet)" in morning
    assert "opening" not in morning
    afternoon = card_of(html, "Afternoon Camp")
    assert "5 openings" in afternoon and "Cancelled" not in afternoon


def test_detail_without_per_day_price_shows_only_the_whole_camp(client, org):
    camp = make_event(org)
    html = text(client.get(events_url("detail", event_id=camp.pk)))
    assert "$250.00 for the whole camp" in html
    assert "per day" not in html
    assert "Cancelled" not in html


def test_detail_of_another_organizations_camp_is_404(client, org, other_org):
    theirs = make_event(other_org, name="Gym Jam")
    response = client.get(events_url("detail", event_id=theirs.pk))
    assert response.status_code == 404
    assert client.get(events_url("detail", event_id=999999)).status_code == 404
    assert client.get("/portal/swim/booking/events/abc/").status_code == 404


# Parties


def test_parties_list_packages(client, org, other_org):
    make_package(org, name="Pool Party", description="Pizza included.")
    make_package(other_org, name="Gym Party")
    response = client.get(events_url("parties"))
    assert response.status_code == 200
    html = text(response)
    assert "Pool Party" in html
    assert "90 minutes" in html
    assert "$300.00" in html
    assert "$50.00" in html
    assert "Up to 12" in html
    assert "Pizza included." in html
    assert "Gym Party" not in html
    assert "Open times for" not in html


def test_parties_show_free_future_slots_at_chosen_location_in_local_time(client, org):
    chicago, new_york = locations(org)
    package = make_package(org)
    at = datetime.datetime
    utc = datetime.UTC
    # 2026-07-10 01:00 UTC is 8 pm on July 9 in Chicago (CDT, UTC-5).
    make_slot(org, chicago, at(2026, 7, 10, 1, tzinfo=utc))
    make_slot(org, chicago, at(2026, 7, 10, 15, tzinfo=utc))
    taken = make_slot(org, chicago, at(2026, 7, 10, 18, tzinfo=utc))
    freed = make_slot(org, chicago, at(2026, 7, 10, 20, tzinfo=utc))
    make_slot(org, chicago, at(2026, 6, 30, 15, tzinfo=utc))  # past
    make_slot(org, new_york, at(2026, 7, 11, 14, tzinfo=utc))
    enroll(org, slot=taken, package=package)
    dropped = enroll(org, slot=freed, package=package)[0]
    with scopes_disabled():
        dropped.status = EnrollmentStatus.DROPPED
        dropped.save()

    response = client.post(
        "/portal/swim/location/", {"location": chicago.pk, "next": events_url()}
    )
    assert response.status_code == 302
    response = client.get(events_url("parties"), {"package": package.pk})

    assert response.status_code == 200
    html = text(response)
    assert "Open times for Pool Party" in html
    assert f"At {chicago.name}" in html
    assert '<time datetime="2026-07-09">' in html
    assert '<time datetime="2026-07-10">' in html
    assert 'datetime="2026-07-09T20:00:00-05:00"' in html
    assert 'datetime="2026-07-09T21:30:00-05:00"' in html  # ends after 90 min
    assert 'datetime="2026-07-10T10:00:00-05:00"' in html
    assert 'datetime="2026-07-10T15:00:00-05:00"' in html  # freed by the drop
    assert "T13:00:00-05:00" not in html  # taken
    assert "2026-06-30" not in html  # past
    assert "2026-07-11" not in html  # other location
    assert html.count('<li><time datetime="') == 3

    client.post("/portal/swim/location/", {"location": new_york.pk})
    html = text(client.get(events_url("parties"), {"package": package.pk}))
    assert f"At {new_york.name}" in html
    assert 'datetime="2026-07-11T10:00:00-04:00"' in html
    assert html.count('<li><time datetime="') == 1


def test_parties_package_of_another_organization_is_404(client, org, other_org):
    make_package(org)
    theirs = make_package(other_org, name="Gym Party")
    response = client.get(events_url("parties"), {"package": theirs.pk})
    assert response.status_code == 404
    html = text(response)
    assert "Gym Party" not in html
    assert "That party package was not found" in html


@pytest.mark.parametrize("value", ["abc", "999999", "-1", "1.5", "9" * 30])
def test_parties_bad_package_values_give_a_clear_404(client, org, value):
    make_package(org)
    response = client.get(events_url("parties"), {"package": value})
    assert response.status_code == 404
    html = text(response)
    assert "That party package was not found" in html
    assert "Pool Party" in html  # the list is still there to choose from


# Query counts


@pytest.mark.parametrize("count", [3, 60])
def test_list_and_detail_queries_do_not_grow(
    client, org, django_assert_max_num_queries, count
):
    first = locations(org)[0]
    with scopes_disabled():
        events = Event.objects.bulk_create(
            Event(
                organization=org,
                name=f"Camp {i}",
                location=first,
                start_date=TODAY + datetime.timedelta(days=i),
                end_date=TODAY + datetime.timedelta(days=i + count),
                daily_start=datetime.time(9),
                daily_end=datetime.time(15),
                price=Decimal("100"),
            )
            for i in range(count)
        )
        Blackout.objects.bulk_create(
            Blackout(
                organization=org,
                name=f"Closed {i}",
                start_date=TODAY + datetime.timedelta(days=i),
                end_date=TODAY + datetime.timedelta(days=i),
            )
            for i in range(count)
        )
    for event in events[:3]:
        enroll(org, event=event)
    with django_assert_max_num_queries(QUERIES):
        response = client.get(events_url())
    assert text(response).count('class="card"') == count
    with django_assert_max_num_queries(QUERIES):
        response = client.get(events_url("detail", event_id=events[0].pk))
    assert text(response).count("Cancelled: Closed") == count


@pytest.mark.parametrize("count", [3, 60])
def test_parties_queries_do_not_grow(client, org, django_assert_max_num_queries, count):
    first = locations(org)[0]
    package = make_package(org)
    with scopes_disabled():
        PartyPackage.objects.bulk_create(
            PartyPackage(organization=org, name=f"P{i}", price=Decimal("10"))
            for i in range(count)
        )
        slots = PartySlot.objects.bulk_create(
            PartySlot(
                organization=org,
                location=first,
                starts_at=NOW + datetime.timedelta(hours=6 * (i + 1)),
            )
            for i in range(count)
        )
    enroll(org, slot=slots[0], package=package)
    with django_assert_max_num_queries(QUERIES):
        response = client.get(events_url("parties"), {"package": package.pk})
    assert text(response).count('<li><time datetime="') == count - 1


QUERIES = 10


def hold(org, *, minutes, event=None, slot=None):
    """A camp seat or a party slot held by a new family (negative: expired)."""
    guardian = make_family(org, students=["Held"])
    with scopes_disabled():
        student = guardian.family.students.get()
    return make_hold(
        student,
        event=event,
        party_slot=slot,
        expires_at=NOW + datetime.timedelta(minutes=minutes),
    )


def test_cart_holds_take_camp_seats_and_party_slots_until_they_expire(client, org):
    chicago, _ = locations(org)
    camp = make_event(org, name="Summer Splash", capacity=3)
    enroll(org, event=camp)
    hold(org, event=camp, minutes=10)
    hold(org, event=camp, minutes=-5)
    package = make_package(org)
    held = make_slot(
        org, chicago, datetime.datetime(2026, 7, 10, 15, tzinfo=datetime.UTC)
    )
    hold(org, slot=held, minutes=10)

    assert "1 opening" in text(client.get(events_url()))
    html = text(client.get(events_url("parties"), {"package": package.pk}))
    assert "T10:00:00-05:00" not in html

    with time_machine.travel(NOW + datetime.timedelta(minutes=11), tick=False):
        assert "2 openings" in text(client.get(events_url()))
        html = text(client.get(events_url("parties"), {"package": package.pk}))
        assert 'datetime="2026-07-10T10:00:00-05:00"' in html
