"""The catalog admin: scoped to the staff user's organization, with clean forms."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from portal.catalog.models import Blackout, Class, Program
from portal.catalog.services import class_create, record_create
from portal.enrollments.services import enrollment_add
from tests.factories import make_family, make_hold, make_organization, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(client):
    alpha = make_organization(name="Alpha Swim", slug="alpha")
    bravo = make_organization(name="Bravo Gym", slug="bravo")
    with scopes_disabled():
        a_program = record_create(Program, organization=alpha, name="Alpha Swim Prog")
        b_program = record_create(Program, organization=bravo, name="Bravo Tumbling")
        b_location = bravo.locations.get()
        b_class = class_create(
            organization=bravo,
            name="Bravo Secret Class",
            program=b_program,
            location=b_location,
            season_start=datetime.date(2026, 1, 1),
            season_end=datetime.date(2026, 6, 1),
            schedules=[
                {
                    "weekday": 0,
                    "start_time": datetime.time(9),
                    "end_time": datetime.time(10),
                }
            ],
        )
        b_blackout = record_create(
            Blackout,
            organization=bravo,
            name="Bravo closure",
            start_date=datetime.date(2026, 2, 1),
            end_date=datetime.date(2026, 2, 2),
        )
    client.force_login(make_staff(alpha))
    return {
        "alpha": alpha,
        "bravo": bravo,
        "a_program": a_program,
        "b_program": b_program,
        "b_location": b_location,
        "b_class": b_class,
        "b_blackout": b_blackout,
    }


def class_post_data(setup, **overrides):
    alpha = setup["alpha"]
    with scopes_disabled():
        location = alpha.locations.get()
    data = {
        "name": "Tadpoles",
        "program": setup["a_program"].pk,
        "level": "",
        "location": location.pk,
        "instructor": "",
        "schedules": inline_formset(
            [{"weekday": 1, "start_time": "17:00", "end_time": "17:45"}]
        ),
        "season_start": "2026-01-05",
        "season_end": "2026-03-30",
        "capacity": 8,
        "gender": "any",
        "min_age_years": 3,
        "min_age_months": 0,
        "max_age_years": 5,
        "max_age_months": 0,
        "tuition": "80.00",
        "tuition_period": "month",
        "registration_fee": "20.00",
        "online_enrollment": "on",
        "waitlist_allowed": "on",
        "registration_opens_at": "",
        "description": "",
    }
    data.update(overrides)
    return nested_form_data(data)


@pytest.mark.parametrize(
    "name,secret",
    [
        ("program:index", "Bravo Tumbling"),
        ("class:index", "Bravo Secret Class"),
        ("blackout:index", "Bravo closure"),
    ],
)
def test_listings_are_scoped(client, setup, name, secret):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert secret not in response.content.decode()


@pytest.mark.parametrize(
    "name,key",
    [
        ("class:edit", "b_class"),
        ("class:delete", "b_class"),
        ("program:edit", "b_program"),
        ("blackout:edit", "b_blackout"),
    ],
)
def test_other_organizations_rows_are_refused(client, setup, name, key):
    obj = setup[key]
    url = reverse(name, args=[obj.pk])
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {"name": "Hacked"}).status_code in (403, 404)
    with scopes_disabled():
        assert type(obj).objects.filter(pk=obj.pk, name=obj.name).exists()


def test_create_class_with_weekly_schedule(client, setup):
    response = client.post(reverse("class:add"), class_post_data(setup))
    assert response.status_code == 302, response.content.decode()[-3000:]
    with scopes_disabled():
        klass = Class.objects.get(name="Tadpoles")
        assert klass.organization == setup["alpha"]
        assert [(s.weekday, s.start_time) for s in klass.schedules.all()] == [
            (1, datetime.time(17))
        ]


def test_class_form_refuses_other_organizations_choices(client, setup):
    data = class_post_data(
        setup, program=setup["b_program"].pk, location=setup["b_location"].pk
    )
    response = client.post(reverse("class:add"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    with scopes_disabled():
        assert not Class.objects.filter(name="Tadpoles").exists()


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"season_end": "2025-01-01"}, "The last day is before the first."),
        ({"max_age_years": 2}, "The maximum age is below the minimum."),
        (
            {
                "schedules": inline_formset(
                    [{"weekday": 1, "start_time": "18:00", "end_time": "17:00"}]
                )
            },
            "The class ends before it starts.",
        ),
        ({"tuition": "-5"}, "greater than or equal to 0"),
    ],
)
def test_class_form_bad_input(client, setup, overrides, message):
    response = client.post(reverse("class:add"), class_post_data(setup, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    with scopes_disabled():
        assert not Class.objects.filter(name="Tadpoles").exists()


def test_class_edit_shows_enrolled_held_and_open_seats(client, setup):
    alpha = setup["alpha"]
    guardian = make_family(
        alpha, email="mom@example.com", students=("Mia", "Leo", "Ava")
    )
    client.post(reverse("class:add"), class_post_data(setup, capacity=5))
    with scopes_disabled():
        klass = Class.objects.get(name="Tadpoles")
        first, *others = guardian.family.students.order_by("pk")
        enrollment_add(student=first, klass=klass)
    for student, minutes in zip(others, (15, -1), strict=True):  # live, expired
        make_hold(
            student,
            klass=klass,
            expires_at=timezone.now() + datetime.timedelta(minutes=minutes),
        )
    html = client.get(reverse("class:edit", args=[klass.pk])).content.decode()
    figures = re.findall(
        r"<dt>([^<]+)</dt><dd style=\"font-size:1.5rem;margin:0\">(\d+)</dd>", html
    )
    assert figures == [
        ("Capacity", "5"),
        ("Enrolled", "1"),
        ("Held in carts", "1"),
        ("Open", "3"),
    ]


@pytest.fixture
def crowded_class(client, setup):
    """A class of capacity 5 with three students enrolled."""
    guardian = make_family(setup["alpha"], students=("Ann", "Bea", "Cal"))
    client.post(reverse("class:add"), class_post_data(setup, capacity=5))
    with scopes_disabled():
        klass = Class.objects.get(name="Tadpoles")
        for student in guardian.family.students.all():
            enrollment_add(student=student, klass=klass)
    return klass


def capacity_field_html(html):
    """The Capacity field's wrapper: its label, input and errors."""
    start = html.index('for="id_capacity"')
    return html[start : html.index('for="id_gender"')]


def test_capacity_below_enrolled_is_refused_with_the_count(
    client, setup, crowded_class
):
    url = reverse("class:edit", args=[crowded_class.pk])
    response = client.post(url, class_post_data(setup, capacity=2, name="Renamed"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 students are enrolled in this class" in capacity_field_html(html)
    assert 'name="confirm_capacity"' in html
    assert "Save anyway" in html
    with scopes_disabled():
        crowded_class.refresh_from_db()
    assert (crowded_class.capacity, crowded_class.name) == (5, "Tadpoles")


def test_capacity_below_enrolled_saves_when_confirmed(client, setup, crowded_class):
    url = reverse("class:edit", args=[crowded_class.pk])
    data = class_post_data(setup, capacity=2, confirm_capacity="on")
    response = client.post(url, data)
    assert response.status_code == 302
    with scopes_disabled():
        crowded_class.refresh_from_db()
    assert crowded_class.capacity == 2


def test_capacity_check_does_not_get_in_the_way(client, setup, crowded_class):
    url = reverse("class:edit", args=[crowded_class.pk])
    html = client.get(url).content.decode()
    assert 'name="confirm_capacity"' not in html
    # Down to the enrolled count, and other edits, save at once.
    response = client.post(url, class_post_data(setup, capacity=3, name="Frogs"))
    assert response.status_code == 302
    with scopes_disabled():
        crowded_class.refresh_from_db()
    assert (crowded_class.capacity, crowded_class.name) == (3, "Frogs")
