import datetime
import re

import pytest
import time_machine
from django_scopes import scopes_disabled

from portal.catalog.models import (
    Blackout,
    Class,
    ClassSchedule,
    Instructor,
    Level,
    Program,
)
from portal.catalog.services import class_create, record_create
from portal.enrollments.services import enrollment_add
from tests.factories import make_family, make_organization

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 10, 5, 15, tzinfo=datetime.UTC)  # a Monday


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def org():
    return make_organization(slug="swim", locations=2)


@pytest.fixture
def catalog(org):
    with scopes_disabled():
        north, south = org.locations.order_by("-is_primary", "name")
        swim = record_create(Program, organization=org, name="Swim", sort_order=1)
        gym = record_create(Program, organization=org, name="Gym", sort_order=2)
        beginner = record_create(Level, organization=org, program=swim, name="Beginner")
        coach = record_create(
            Instructor, organization=org, first_name="Ana", last_name="Diaz"
        )

        def make(name, *, program=swim, location=north, weekday=0, hour=17, **kw):
            return class_create(
                organization=org,
                name=name,
                program=program,
                location=location,
                season_start=datetime.date(2026, 9, 1),
                season_end=datetime.date(2026, 12, 20),
                schedules=[
                    {
                        "weekday": weekday,
                        "start_time": datetime.time(hour),
                        "end_time": datetime.time(hour, 45),
                    }
                ],
                **kw,
            )

        classes = {
            "tots": make(
                "Tiny Tots",
                weekday=5,
                hour=9,
                min_age_years=1,
                max_age_years=3,
                level=beginner,
            ),
            "kids": make(
                "Kids Swim",
                weekday=1,
                hour=16,
                min_age_years=5,
                max_age_years=8,
                instructor=coach,
                capacity=2,
            ),
            "girls": make(
                "Girls Gym",
                program=gym,
                location=south,
                weekday=3,
                hour=18,
                min_age_years=6,
                max_age_years=10,
                gender="female",
            ),
            "full": make(
                "Full Class",
                weekday=2,
                hour=17,
                capacity=1,
                waitlist_allowed=False,
                min_age_years=5,
                max_age_years=8,
            ),
        }
        ended = make("Old Class")
        ended.season_end = datetime.date(2026, 9, 30)
        ended.save()
        family = make_family(org, email="mom@example.com", students=("A", "B"))
        a, b = family.family.students.all()
        enrollment_add(student=a, klass=classes["kids"])
        enrollment_add(student=b, klass=classes["full"])
    return classes


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
    assert "Tuesday 4:00 PM–4:45 PM" in html
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
