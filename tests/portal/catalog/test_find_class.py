"""Find the Right Class: who the class is for, then the classes that fit."""

import datetime
import itertools
import re

import pytest
import time_machine
from django_scopes import scopes_disabled

from pages.models import PolicyKind
from portal.catalog.models import Class, ClassSchedule, Program
from portal.catalog.selectors import class_eligibility, suitable_for_child
from portal.catalog.services import class_create
from portal.families.services import policy_answer
from portal.tenancy.models import PortalSettings
from tests.factories import make_family, make_organization, make_policy

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 10, 5, 15, tzinfo=datetime.UTC)
FIND = "/portal/swim/booking/find/"


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def org():
    return make_organization(slug="swim", locations=2)


def names(response):
    html = response.content.decode()
    return re.findall(r'class="card-title"><a [^>]*>([^<]*)</a>', html)


def family_with_child(org, *, email, born, gender="", name="Mia"):
    from portal.families.services import student_create

    guardian = make_family(org, email=email)
    with scopes_disabled():
        student = student_create(
            family=guardian.family,
            first_name=name,
            last_name="Rivera",
            date_of_birth=born,
            gender=gender,
        )
    return guardian, student


def test_suitable_for_child_agrees_with_class_eligibility(org):
    """The query and the one eligibility rule give the same classes for a
    spread of birth dates, genders and month-precise age bounds."""
    bounds = [
        {
            "min_age_years": 0,
            "min_age_months": 6,
            "max_age_years": 2,
            "max_age_months": 11,
        },
        {
            "min_age_years": 3,
            "min_age_months": 0,
            "max_age_years": 5,
            "max_age_months": 0,
        },
        {"min_age_years": 5, "min_age_months": 6, "max_age_years": None},
        {
            "min_age_years": 8,
            "min_age_months": 0,
            "max_age_years": 12,
            "max_age_months": 6,
        },
    ]
    starts = [datetime.date(2026, 9, 1), datetime.date(2027, 1, 31)]
    with scopes_disabled():
        program = Program.objects.create(organization=org, name="Swim")
        location = org.locations.first()
        for i, (ages, start, gender) in enumerate(
            itertools.product(bounds, starts, ["any", "female", "male"])
        ):
            class_create(
                organization=org,
                name=f"C{i}",
                program=program,
                location=location,
                season_start=start,
                season_end=datetime.date(2027, 6, 1),
                gender=gender,
                schedules=[],
                **ages,
            )
        classes = list(Class.objects.filter(organization=org))
        born = datetime.date(2014, 1, 1)
        while born < datetime.date(2027, 1, 1):
            for gender in ("", "female", "male"):
                found = set(
                    suitable_for_child(
                        Class.objects.filter(organization=org),
                        organization=org,
                        date_of_birth=born,
                        gender=gender,
                    ).values_list("pk", flat=True)
                )
                expected = {
                    k.pk
                    for k in classes
                    if not set(
                        class_eligibility(
                            klass=k, date_of_birth=born, gender=gender
                        ).reasons
                    )
                    & {"too_young", "too_old", "gender"}
                }
                assert found == expected, (born, gender)
            born += datetime.timedelta(days=23)


# The page


def test_first_step_asks_birth_date_and_gender(client, catalog):
    response = client.get(FIND)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Find the Right Class" in html
    assert 'name="date_of_birth"' in html and 'name="gender"' in html
    assert 'name="student"' not in html  # not logged in
    assert "Log In to choose one of your students" in html
    assert 'class="card-title"' not in html


@pytest.mark.parametrize(
    "query,expected",
    [
        # 7 years 5 months on Sep 1: the 5-8 classes, and the girls' class.
        (
            "date_of_birth=2019-03-10&gender=female",
            ["Kids Swim", "Full Class", "Girls Gym"],
        ),
        ("date_of_birth=2019-03-10&gender=male", ["Kids Swim", "Full Class"]),
        ("date_of_birth=2019-03-10", ["Kids Swim", "Full Class"]),
        ("date_of_birth=2024-01-20", ["Tiny Tots"]),
        # Five today, but 4 years 11 months on the classes' first day.
        ("date_of_birth=2021-09-15", []),
        ("date_of_birth=2021-09-01", ["Kids Swim", "Full Class"]),
    ],
)
def test_results_use_age_on_the_first_day_and_gender(client, catalog, query, expected):
    response = client.get(f"{FIND}?{query}")
    assert response.status_code == 200
    assert names(response) == expected


def test_filters_narrow_the_results_and_keep_the_child(client, org, catalog):
    with scopes_disabled():
        gym = Program.objects.get(name="Gym")
    query = f"date_of_birth=2019-03-10&gender=female&program={gym.pk}"
    response = client.get(f"{FIND}?{query}")
    html = response.content.decode()
    assert names(response) == ["Girls Gym"]
    # The child rides along with the filters; age and gender are not asked twice.
    assert '<input type="hidden" name="date_of_birth" value="2019-03-10">' in html
    assert '<input type="hidden" name="gender" value="female">' in html
    assert 'name="age"' not in html
    assert 'id="id_gender"' not in html
    assert f'href="{FIND}?date_of_birth=2019-03-10&amp;gender=female"' in html
    openings = client.get(f"{FIND}?date_of_birth=2019-03-10&openings=on")
    assert names(openings) == ["Kids Swim"]


@pytest.mark.parametrize(
    "query,message",
    [
        ("date_of_birth=", "Enter the date of birth."),
        ("date_of_birth=2031-01-01", "The date of birth cannot be in the future."),
        ("date_of_birth=1900-01-01", "Check the year of birth."),
        ("date_of_birth=2019-13-40", "Enter a valid date."),
        ("date_of_birth=2019-03-10&gender=robot", "Select a valid choice."),
    ],
)
def test_bad_input_is_explained_next_to_the_field(client, catalog, query, message):
    response = client.get(f"{FIND}?{query}")
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'aria-invalid="true"' in html
    assert 'class="card-title"' not in html


def test_logged_in_family_picks_one_of_its_students(client, org, catalog):
    guardian, mia = family_with_child(
        org, email="jo@example.com", born=datetime.date(2019, 3, 10), gender="female"
    )
    client.force_login(guardian.user)
    html = client.get(FIND).content.decode()
    assert f'value="{mia.pk}"' in html and "Someone else" in html
    response = client.get(f"{FIND}?student={mia.pk}")
    html = response.content.decode()
    assert "Classes for Mia" in html
    assert names(response) == ["Kids Swim", "Full Class", "Girls Gym"]
    # "Someone else" uses the birth date typed in.
    other = client.get(f"{FIND}?student=other&date_of_birth=2024-01-20")
    assert names(other) == ["Tiny Tots"]
    missing = client.get(f"{FIND}?student=other")
    assert "Enter the date of birth." in missing.content.decode()


def test_another_familys_student_is_refused_without_showing_it(client, org, catalog):
    guardian, _ = family_with_child(org, email="jo@example.com", born=TODAY.date())
    _, theirs = family_with_child(
        org, email="sam@example.com", born=datetime.date(2019, 3, 10), name="Zed"
    )
    client.force_login(guardian.user)
    response = client.get(f"{FIND}?student={theirs.pk}")
    html = response.content.decode()
    assert "Choose one of your students, or someone else." in html
    assert "Zed" not in html and 'class="card-title"' not in html
    # Not logged in, a student id means nothing either.
    client.logout()
    html = client.get(f"{FIND}?student={theirs.pk}").content.decode()
    assert "Zed" not in html and 'class="card-title"' not in html


def test_other_organizations_student_and_classes_stay_out(client, org, catalog):
    other = make_organization(slug="gym")
    guardian, kid = family_with_child(
        org, email="jo@example.com", born=datetime.date(2019, 3, 10)
    )
    client.force_login(guardian.user)
    response = client.get(f"/portal/gym/booking/find/?student={kid.pk}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Mia" not in html and 'class="card-title"' not in html
    response = client.get("/portal/gym/booking/find/?date_of_birth=2019-03-10")
    assert names(response) == []
    assert other.slug == "gym"


def test_a_student_blocked_by_a_policy_is_told_why(client, org, catalog):
    guardian, mia = family_with_child(
        org, email="jo@example.com", born=datetime.date(2019, 3, 10)
    )
    with scopes_disabled():
        policy = make_policy(org, title="Pool safety", kind=PolicyKind.STUDENT)
        policy_answer(
            family=guardian.family,
            policy=policy,
            accepted=False,
            by=guardian.user,
            student=mia,
        )
    client.force_login(guardian.user)
    html = client.get(f"{FIND}?student={mia.pk}").content.decode()
    assert "Mia cannot enroll online until a required student policy is accepted" in (
        html
    )
    assert f"/account/students/{mia.pk}/policies/" in html


def test_classes_not_open_online_are_marked(client, catalog):
    with scopes_disabled():
        kids = Class.objects.get(pk=catalog["kids"].pk)
        kids.registration_opens_at = datetime.datetime(
            2026, 12, 1, 14, tzinfo=datetime.UTC
        )
        kids.save()
        full = Class.objects.get(pk=catalog["full"].pk)
        full.online_enrollment = False
        full.save()
    html = client.get(f"{FIND}?date_of_birth=2019-03-10").content.decode()
    assert "Registration opens Dec 1" in html
    assert "Enroll at the front desk" in html


def test_switched_off_it_is_404_and_not_offered(client, org, catalog):
    home = client.get("/portal/swim/home/").content.decode()
    assert "tile-find" in home and FIND in home
    assert FIND in client.get("/portal/swim/booking/").content.decode()
    with scopes_disabled():
        PortalSettings.objects.filter(organization=org).update(show_find_class=False)
    assert client.get(FIND).status_code == 404
    assert FIND not in client.get("/portal/swim/home/").content.decode()
    assert FIND not in client.get("/portal/swim/booking/").content.decode()


@pytest.mark.parametrize("count", [10, 500])
def test_find_queries_do_not_grow(client, org, django_assert_max_num_queries, count):
    guardian, mia = family_with_child(
        org, email="jo@example.com", born=datetime.date(2019, 3, 10)
    )
    with scopes_disabled():
        program = Program.objects.create(organization=org, name="Swim")
        location = org.locations.first()
        classes = Class.objects.bulk_create(
            Class(
                organization=org,
                name=f"C{i:03d}",
                program=program,
                location=location,
                season_start=datetime.date(2026, 9, 1),
                season_end=datetime.date(2026, 12, 31),
                min_age_years=i % 9,
                max_age_years=i % 9 + 3,
                gender=["any", "female", "male"][i % 3],
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
    client.force_login(guardian.user)
    client.get(f"{FIND}?student={mia.pk}")
    with django_assert_max_num_queries(24):
        response = client.get(f"{FIND}?student={mia.pk}&openings=on")
    assert names(response)
    client.logout()
    with django_assert_max_num_queries(14):
        response = client.get(f"{FIND}?date_of_birth=2019-03-10")
    assert names(response)


def test_a_new_season_shows_on_the_next_search(client, org, catalog):
    """The classes' first days are cached; adding a class with a new one
    changes the organization's catalog version, so it is found at once."""
    query = f"{FIND}?date_of_birth=2021-09-15"
    assert names(client.get(query)) == []  # 4 years 11 months on Sep 1
    with scopes_disabled():
        program = Program.objects.get(name="Swim")
        class_create(
            organization=org,
            name="Winter Fives",
            program=program,
            location=org.locations.first(),
            season_start=datetime.date(2027, 1, 10),
            season_end=datetime.date(2027, 3, 31),
            min_age_years=5,
            max_age_years=6,
            schedules=[],
        )
    assert names(client.get(query)) == ["Winter Fives"]


def test_nothing_chosen_points_at_the_question_that_is_shown(client, org, catalog):
    guardian, mia = family_with_child(
        org, email="jo@example.com", born=datetime.date(2019, 3, 10)
    )
    client.force_login(guardian.user)
    # What the form sends when Show Classes is pressed with nothing chosen:
    # the birth date and gender (hidden until "Someone else") are empty.
    response = client.get(f"{FIND}?date_of_birth=&gender=")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="card-title"' not in html
    assert "Please correct the fields marked below." in html
    # The error belongs to "Who is the class for?", not to the hidden birth date.
    assert (
        '<ul class="errorlist" id="id_student_error">'
        "<li>Choose one of your students, or someone else.</li></ul>"
    ) in html
    assert 'aria-describedby="id_student_error"' in html
    assert re.search(r'<input[^>]*name="student"[^>]*aria-invalid="true"', html)
    assert "Enter the date of birth." not in html
    assert 'id="id_date_of_birth_error"' not in html


def test_a_chosen_student_ignores_the_hidden_fields(client, org, catalog):
    guardian, mia = family_with_child(
        org, email="jo@example.com", born=datetime.date(2019, 3, 10)
    )
    client.force_login(guardian.user)
    response = client.get(f"{FIND}?student={mia.pk}&date_of_birth=junk&gender=robot")
    assert "Classes for Mia" in response.content.decode()
    assert names(response) == ["Kids Swim", "Full Class"]
    # A shared link with a birth date still works for a logged-in family.
    shared = client.get(f"{FIND}?date_of_birth=2024-01-20")
    assert names(shared) == ["Tiny Tots"]


def test_empty_form_without_students_marks_the_birth_date(client, catalog):
    html = client.get(f"{FIND}?date_of_birth=&gender=").content.decode()
    assert (
        '<ul class="errorlist" id="id_date_of_birth_error">'
        "<li>Enter the date of birth.</li></ul>"
    ) in html
    assert re.search(
        r'<input[^>]*name="date_of_birth"[^>]*aria-invalid="true"'
        r'[^>]*aria-describedby="id_date_of_birth_error"',
        html,
    )
