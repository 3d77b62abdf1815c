import datetime
import re

import pytest
import time_machine
from django_scopes import scopes_disabled

from portal.catalog.models import (
    Blackout,
    Class,
    ClassSchedule,
    Level,
    Program,
)
from portal.catalog.services import class_create, record_create
from tests.factories import make_family, make_hold, make_organization

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 10, 5, 15, tzinfo=datetime.UTC)  # a Monday


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def org():
    return make_organization(slug="swim", locations=2)


def names(response):
    """Class names in the order the page lists them."""
    html = response.content.decode()
    return re.findall(r'class="card-title"><a [^>]*>([^<]*)</a>', html)


def test_booking_home_links_classes_events_parties(client, org):
    html = client.get("/portal/swim/booking/").content.decode()
    assert "/portal/swim/booking/classes/" in html
    assert "/portal/swim/booking/events/" in html
    assert "/portal/swim/booking/parties/" in html
    assert "tile-booking" in client.get("/portal/swim/home/").content.decode()


def test_class_list_columns_order_and_openings(client, catalog):
    response = client.get("/portal/swim/booking/classes/")
    html = response.content.decode()
    # Program, then weekday and time; running classes only.
    assert names(response) == ["Kids Swim", "Full Class", "Tiny Tots", "Girls Gym"]
    assert "Tuesday 4:00\u00a0PM–4:45\u00a0PM" in html
    assert "Ana Diaz" in html and "Ages 5–8" in html
    assert "1 opening" in html  # Kids Swim: 2 seats, 1 enrolled
    assert (
        "Full – waitlist available" not in html.split("Full Class")[1].split("</li>")[0]
    )
    assert ">Full</span>" in html
    assert "4 classes" in html


@pytest.mark.parametrize(
    "query,expected",
    [
        ("program={swim}", ["Kids Swim", "Full Class", "Tiny Tots"]),
        ("location={south}", ["Girls Gym"]),
        ("weekday=5", ["Tiny Tots"]),
        ("time_of_day=morning", ["Tiny Tots"]),
        ("time_of_day=afternoon", ["Kids Swim"]),
        ("time_of_day=evening", ["Full Class", "Girls Gym"]),
        ("age=2", ["Tiny Tots"]),
        ("age=7", ["Kids Swim", "Full Class", "Girls Gym"]),
        ("openings=on", ["Kids Swim", "Tiny Tots", "Girls Gym"]),
        ("level={beginner}", ["Tiny Tots"]),
        ("age=7&openings=on&time_of_day=evening", ["Girls Gym"]),
    ],
)
def test_filters_narrow_the_list(client, org, catalog, query, expected):
    with scopes_disabled():
        ids = {
            "swim": Program.objects.get(organization=org, name="Swim").pk,
            "south": org.locations.get(is_primary=False).pk,
            "beginner": Level.objects.get(organization=org).pk,
        }
    response = client.get("/portal/swim/booking/classes/?" + query.format(**ids))
    assert names(response) == expected


def test_gender_and_instructor_filters_only_when_enabled(client, org, catalog):
    html = client.get("/portal/swim/booking/classes/").content.decode()
    assert 'name="gender"' not in html and 'name="instructor"' not in html
    assert names(client.get("/portal/swim/booking/classes/?gender=male")) == [
        "Kids Swim",
        "Full Class",
        "Tiny Tots",
        "Girls Gym",
    ]  # ignored: switched off
    with scopes_disabled():
        settings = org.portal_settings
        settings.filter_gender = True
        settings.filter_program = False
        settings.save()
    html = client.get("/portal/swim/booking/classes/").content.decode()
    assert 'name="gender"' in html and 'name="program"' not in html
    male = client.get("/portal/swim/booking/classes/?gender=male")
    assert "Girls Gym" not in names(male)


def test_bad_filter_values_are_explained_not_500(client, catalog):
    response = client.get("/portal/swim/booking/classes/?age=abc&weekday=9&program=x")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a whole number." in html or "Enter a number." in html
    assert "Select a valid choice." in html


def test_other_organizations_choices_are_not_offered_or_accepted(client, org, catalog):
    gym = make_organization(slug="gym")
    with scopes_disabled():
        foreign = record_create(Program, organization=gym, name="Foreign Program")
    html = client.get("/portal/swim/booking/classes/").content.decode()
    assert "Foreign Program" not in html
    response = client.get(f"/portal/swim/booking/classes/?program={foreign.pk}")
    assert "Select a valid choice." in response.content.decode()


def test_list_is_paginated_and_keeps_the_filters(client, org, catalog):
    with scopes_disabled():
        swim = Program.objects.get(organization=org, name="Swim")
        location = org.locations.get(is_primary=True)
        for i in range(25):
            class_create(
                organization=org,
                name=f"Extra {i:02d}",
                program=swim,
                location=location,
                season_start=datetime.date(2026, 9, 1),
                season_end=datetime.date(2026, 12, 1),
                schedules=[
                    {
                        "weekday": 4,
                        "start_time": datetime.time(10),
                        "end_time": datetime.time(11),
                    }
                ],
            )
    html = client.get(
        f"/portal/swim/booking/classes/?program={swim.pk}"
    ).content.decode()
    assert "Page 1 of 2" in html
    assert f"?program={swim.pk}&amp;page=2" in html


def test_class_detail_with_blackout(client, org, catalog):
    with scopes_disabled():
        record_create(
            Blackout,
            organization=org,
            name="Pool maintenance",
            start_date=datetime.date(2026, 10, 13),
            end_date=datetime.date(2026, 10, 13),
        )
    klass = catalog["kids"]
    html = client.get(f"/portal/swim/booking/classes/{klass.pk}/").content.decode()
    assert "Kids Swim" in html and "1 opening" in html and "$0.00 per month" in html
    assert "Cancelled: Pool maintenance" in html
    assert "Tue, Oct 6" in html and "Tue, Oct 13" in html


def test_class_detail_wrong_tenant_and_ended_are_404(client, org, catalog):
    gym = make_organization(slug="gym")
    assert (
        client.get(f"/portal/gym/booking/classes/{catalog['kids'].pk}/").status_code
        == 404
    )
    with scopes_disabled():
        ended = Class.objects.get(name="Old Class")
    assert client.get(f"/portal/swim/booking/classes/{ended.pk}/").status_code == 404
    assert client.get("/portal/swim/booking/classes/999999/").status_code == 404
    assert gym


@pytest.mark.parametrize("count", [10, 500])
def test_booking_pages_queries_do_not_grow(
    client, org, django_assert_max_num_queries, count
):
    with scopes_disabled():
        program = record_create(Program, organization=org, name="Swim")
        location = org.locations.get(is_primary=True)
        classes = Class.objects.bulk_create(
            Class(
                organization=org,
                name=f"C{i:03d}",
                program=program,
                location=location,
                season_start=datetime.date(2026, 9, 1),
                season_end=datetime.date(2026, 12, 31),
            )
            for i in range(count)
        )
        ClassSchedule.objects.bulk_create(
            ClassSchedule(
                klass=k,
                weekday=i % 7,
                start_time=datetime.time(17),
                end_time=datetime.time(18),
            )
            for i, k in enumerate(classes)
        )
    client.get("/portal/swim/booking/classes/")
    with django_assert_max_num_queries(14):
        client.get("/portal/swim/booking/classes/?openings=on&age=6")
    with django_assert_max_num_queries(12):
        client.get(f"/portal/swim/booking/classes/{classes[-1].pk}/")


def hold(klass, student, *, minutes):
    """A seat held for `minutes` from now (negative: expired)."""
    return make_hold(
        student, klass=klass, expires_at=TODAY + datetime.timedelta(minutes=minutes)
    )


def test_unexpired_cart_holds_take_seats_and_expired_ones_do_not(client, org, catalog):
    kids = catalog["kids"]  # 2 seats, 1 enrolled
    with scopes_disabled():
        family = make_family(org, email="dad@example.com", students=("C", "D")).family
        first, second = family.students.order_by("pk")
    hold(kids, first, minutes=-1)
    html = client.get("/portal/swim/booking/classes/").content.decode()
    assert "1 opening" in html.split("Kids Swim")[1].split("</li>")[0]

    hold(kids, second, minutes=10)
    response = client.get("/portal/swim/booking/classes/")
    card = response.content.decode().split("Kids Swim")[1].split("</li>")[0]
    assert "Full – waitlist available" in card
    assert "Kids Swim" not in names(
        client.get("/portal/swim/booking/classes/?openings=on")
    )
    detail = client.get(f"/portal/swim/booking/classes/{kids.pk}/").content.decode()
    assert "Full – waitlist available" in detail

    with time_machine.travel(TODAY + datetime.timedelta(minutes=11), tick=False):
        assert "Kids Swim" in names(
            client.get("/portal/swim/booking/classes/?openings=on")
        )


def test_class_list_orders_by_first_meeting_kept_on_the_class(org, catalog):
    with scopes_disabled():
        kids = Class.objects.get(pk=catalog["kids"].pk)
        assert (kids.first_weekday, kids.first_start) == (1, datetime.time(16))
        # Editing the schedules (as the admin's inline form does) moves it.
        kids.schedules = [
            ClassSchedule(
                weekday=4, start_time=datetime.time(10), end_time=datetime.time(11)
            ),
            ClassSchedule(
                weekday=0, start_time=datetime.time(8), end_time=datetime.time(9)
            ),
        ]
        kids.save()
        kids.refresh_from_db()
        assert (kids.first_weekday, kids.first_start) == (0, datetime.time(8))
        assert kids.schedules.count() == 2


def test_filter_choices_come_in_staff_order_with_level_program(client, org, catalog):
    with scopes_disabled():
        swim = Program.objects.get(name="Swim")
        record_create(
            Level, organization=org, program=swim, name="Advanced", sort_order=5
        )
    html = client.get("/portal/swim/booking/classes/").content.decode()
    programs = re.findall(r'<option value="\d+">(Swim|Gym)</option>', html)
    assert programs == ["Swim", "Gym"]
    assert html.index("Swim – Beginner") < html.index("Swim – Advanced")


def test_filter_options_are_cached_and_follow_changes(client, org, catalog):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = "/portal/swim/booking/classes/"

    def queries():
        with CaptureQueriesContext(connection) as captured:
            html = client.get(url).content.decode()
        return len(captured), html

    queries()
    cached, _ = queries()
    with scopes_disabled():
        swim = Program.objects.get(name="Swim")
        swim.name = "Swimming"
        swim.save()
    count, html = queries()
    assert count == cached + 1  # read again after the change
    assert ">Swimming</option>" in html and ">Swim</option>" not in html
    assert "Swimming – Beginner" in html
    assert queries()[0] == cached
    with scopes_disabled():
        Level.objects.get(name="Beginner").delete()
    assert "Beginner" not in queries()[1]
