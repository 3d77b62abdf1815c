"""Parents filter classes and open a class with a blackout, in a browser."""

import datetime
import re

from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from portal.catalog.models import Blackout, Program
from portal.catalog.services import class_create, record_create
from portal.families.services import student_create
from tests.factories import make_family

from .support import BROWSER, DESKTOP, PHONE, assert_no_axe_violations, build_portal

pytestmark = BROWSER


def _catalog(organization):
    today = timezone.localdate()
    with scopes_disabled():
        location = organization.locations.get(is_primary=True)
        swim = record_create(Program, organization=organization, name="Swim")
        dive = record_create(Program, organization=organization, name="Diving")
        for name, program, weekday, hour, low, high in (
            ("Morning Minnows", swim, 0, 9, 3, 5),
            ("Evening Sharks", swim, 2, 18, 8, 12),
            ("Springboard Basics", dive, 4, 16, 10, 14),
        ):
            class_create(
                organization=organization,
                name=name,
                program=program,
                location=location,
                season_start=today - datetime.timedelta(days=7),
                season_end=today + datetime.timedelta(days=90),
                min_age_years=low,
                max_age_years=high,
                schedules=[
                    {
                        "weekday": weekday,
                        "start_time": datetime.time(hour),
                        "end_time": datetime.time(hour, 45),
                    }
                ],
            )
        start = today + datetime.timedelta(days=1)
        record_create(
            Blackout,
            organization=organization,
            name="Pool maintenance",
            start_date=start,
            end_date=start + datetime.timedelta(days=6),
        )


def test_filter_classes_and_open_one_with_a_blackout(page, portal_url, axe):
    organization = build_portal(welcome=False)
    _catalog(organization)
    page.set_viewport_size(DESKTOP)
    page.goto(portal_url("swim", "home/"))
    page.get_by_role("link", name="Booking").first.click()
    page.get_by_role("link", name=re.compile("^Classes")).click()
    cards = page.locator(".class-card")
    expect(cards).to_have_count(3)
    assert_no_axe_violations(axe, page, "class list")

    page.get_by_label("Program").select_option(label="Swim")
    page.get_by_label("Age (years)").fill("9")
    page.get_by_role("button", name="Show Classes").click()
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Evening Sharks")
    expect(page).to_have_url(re.compile(r"age=9"))  # a shareable address
    assert_no_axe_violations(axe, page, "filtered class list")

    page.get_by_role("link", name="Evening Sharks", exact=True).click()
    expect(page.get_by_role("heading", name="Evening Sharks")).to_be_visible()
    expect(page.get_by_text("Cancelled: Pool maintenance")).to_be_visible()
    expect(page.get_by_text("8 openings")).to_be_visible()
    assert_no_axe_violations(axe, page, "class detail")

    page.set_viewport_size(PHONE)
    page.goto(portal_url("swim", "booking/classes/"))
    assert_no_axe_violations(axe, page, "class list on a phone")


def test_find_the_right_class_for_a_child_then_for_a_student(page, portal_url, axe):
    organization = build_portal(welcome=False)
    _catalog(organization)
    guardian = make_family(
        organization, email="jo@example.com", password="correct-horse-9"
    )
    today = timezone.localdate()
    with scopes_disabled():
        student_create(
            family=guardian.family,
            first_name="Mia",
            last_name="Rivera",
            # About ten and a half on the classes' first day: the 8-12 and
            # 10-14 classes fit.
            date_of_birth=today - datetime.timedelta(days=365 * 11 - 150),
        )
    page.set_viewport_size(DESKTOP)
    page.goto(portal_url("swim", "home/"))
    page.get_by_role("link", name=re.compile("^Find the Right Class")).click()
    expect(page.get_by_role("heading", name="Find the Right Class")).to_be_visible()
    assert_no_axe_violations(axe, page, "find the right class")

    # A birth date in the future is explained next to the field.
    page.get_by_label("Date of birth").fill(
        (today + datetime.timedelta(days=3)).isoformat()
    )
    page.get_by_role("button", name="Show Classes").click()
    expect(
        page.get_by_text("The date of birth cannot be in the future.")
    ).to_be_visible()
    assert_no_axe_violations(axe, page, "find the right class with an error")

    # A four-year-old: only Morning Minnows (ages 3 to 5) fits.
    page.get_by_label("Date of birth").fill(
        (today - datetime.timedelta(days=365 * 4)).isoformat()
    )
    page.get_by_role("button", name="Show Classes").click()
    cards = page.locator(".class-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Morning Minnows")
    assert_no_axe_violations(axe, page, "classes that fit")

    # Logged in, the family picks one of its students instead.
    page.goto(portal_url("swim", "login/"))
    page.get_by_label(re.compile("^Email")).fill("jo@example.com")
    page.get_by_label(re.compile("^Password")).fill("correct-horse-9")
    page.get_by_role("button", name="Log In").click()
    page.goto(portal_url("swim", "booking/find/"))
    expect(page.get_by_label("Date of birth")).to_be_hidden()
    page.get_by_label("Someone else").check()
    expect(page.get_by_label("Date of birth")).to_be_visible()
    page.get_by_label("Mia").check()
    page.get_by_role("button", name="Show Classes").click()
    expect(page.get_by_role("heading", name="Classes for Mia")).to_be_visible()
    expect(cards).to_have_count(2)
    # The enabled filters narrow the list further, keeping the student.
    page.get_by_label("Program").select_option(label="Diving")
    page.get_by_role("button", name="Show Classes").click()
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Springboard Basics")
    expect(page.get_by_role("heading", name="Classes for Mia")).to_be_visible()
    assert_no_axe_violations(axe, page, "classes for a student")


def _expect_error_next_to(page, control, error_id, text):
    """The error is visible, and the control points at it for screen readers."""
    error = page.locator(f"#{error_id}")
    expect(error).to_be_visible()
    expect(error).to_have_text(text)
    expect(control).to_have_attribute("aria-describedby", re.compile(error_id))


def test_find_the_right_class_shows_the_error_of_an_empty_form(page, portal_url, axe):
    organization = build_portal(welcome=False)
    _catalog(organization)
    guardian = make_family(
        organization, email="jo@example.com", password="correct-horse-9"
    )
    with scopes_disabled():
        student_create(
            family=guardian.family,
            first_name="Mia",
            last_name="Rivera",
            date_of_birth=timezone.localdate() - datetime.timedelta(days=365 * 9),
        )
    page.set_viewport_size(DESKTOP)
    # Not logged in: the birth date is the question, and its error sits by it.
    page.goto(portal_url("swim", "booking/find/"))
    page.get_by_role("button", name="Show Classes").click()
    birth = page.get_by_label("Date of birth")
    _expect_error_next_to(
        page, birth, "id_date_of_birth_error", "Enter the date of birth."
    )
    expect(birth).to_have_attribute("aria-invalid", "true")

    # Logged in with a student: nothing chosen points at "Who is the class
    # for?" (the birth date is hidden until "Someone else").
    page.goto(portal_url("swim", "login/"))
    page.get_by_label(re.compile("^Email")).fill("jo@example.com")
    page.get_by_label(re.compile("^Password")).fill("correct-horse-9")
    page.get_by_role("button", name="Log In").click()
    page.goto(portal_url("swim", "booking/find/"))
    page.get_by_role("button", name="Show Classes").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields")
    who = page.get_by_role("group", name="Who is the class for?")
    _expect_error_next_to(
        page, who, "id_student_error", "Choose one of your students, or someone else."
    )
    expect(who.get_by_role("radio", name="Mia")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.get_by_label("Date of birth")).to_be_hidden()
    assert_no_axe_violations(axe, page, "find the right class, nothing chosen")

    # "Someone else" without a birth date: the birth date is shown, marked.
    page.get_by_label("Someone else").check()
    page.get_by_role("button", name="Show Classes").click()
    _expect_error_next_to(
        page,
        page.get_by_label("Date of birth"),
        "id_date_of_birth_error",
        "Enter the date of birth.",
    )
