"""Every page works with JavaScript off: the server renders what JS enhances."""

import datetime
import re

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from portal.catalog.models import Program
from portal.catalog.services import class_create, record_create
from portal.families.services import student_create
from tests.factories import make_family

from .support import BROWSER, NEWS_TITLES, build_portal

pytestmark = BROWSER


@pytest.fixture
def page(new_context):
    return new_context(java_script_enabled=False).new_page()


def test_landing_lists_every_slide_and_links_to_articles(portal_url, page):
    build_portal()
    page.goto(portal_url("swim"))
    expect(page.locator(".carousel .slide:visible")).to_have_count(3)
    for title in NEWS_TITLES:
        expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_role("button", name="Pause")).to_have_count(0)
    expect(page.get_by_role("button", name="Next")).to_have_count(0)

    page.get_by_role(
        "link", name=re.compile(rf"^Learn More\W+{NEWS_TITLES[0]}$")
    ).click()
    expect(page).to_have_url(portal_url("swim", "news/pool-reopens/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(NEWS_TITLES[0])
    expect(page.get_by_role("main")).to_contain_text(f"All about {NEWS_TITLES[0]}.")


def test_click_to_begin_works(portal_url, page):
    build_portal(welcome=False)
    page.goto(portal_url("swim"))
    page.get_by_role("link", name="Click to Begin").click()
    expect(page).to_have_url(portal_url("swim", "home/"))


def test_welcome_dialog_is_rendered_open_and_closes(portal_url, page):
    build_portal()
    page.goto(portal_url("swim", "home/"))
    dialog = page.get_by_role("dialog", name="Hello families")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Got it").click()
    expect(dialog).to_be_hidden()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(dialog).to_be_hidden()

    page.get_by_role("link", name=re.compile("^Welcome Info")).click()
    expect(page).to_have_url(portal_url("swim", "home/?welcome=1"))
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_location_switch_works_without_javascript(portal_url, page):
    build_portal(locations=2, welcome=False)
    page.goto(portal_url("swim", "news/"))
    page.locator("summary", has_text="Location Details").click()
    panel = page.locator(".location-dropdown")
    panel.get_by_role("radio", name=re.compile("^Location 2")).check()
    panel.get_by_role("button", name="Switch Location").click()
    expect(page).to_have_url(portal_url("swim", "news/"))
    expect(page.locator(".location-summary")).to_contain_text("11 Pool Road")


def test_find_the_right_class_and_filters_work_without_javascript(portal_url, page):
    organization = build_portal(welcome=False)
    today = timezone.localdate()
    with scopes_disabled():
        location = organization.locations.get(is_primary=True)
        swim = record_create(Program, organization=organization, name="Swim")
        for name, low, high in (("Tadpoles", 3, 5), ("Sharks", 8, 12)):
            class_create(
                organization=organization,
                name=name,
                program=swim,
                location=location,
                season_start=today,
                season_end=today + datetime.timedelta(days=60),
                min_age_years=low,
                max_age_years=high,
                schedules=[
                    {
                        "weekday": 0,
                        "start_time": datetime.time(9),
                        "end_time": datetime.time(10),
                    }
                ],
            )
    page.goto(portal_url("swim", "booking/find/"))
    page.get_by_label("Date of birth").fill(
        (today - datetime.timedelta(days=365 * 4 + 30)).isoformat()
    )
    page.get_by_role("button", name="Show Classes").click()
    expect(page.locator(".class-card")).to_have_count(1)
    expect(page.locator(".class-card")).to_contain_text("Tadpoles")
    page.get_by_label("Only classes with openings").check()
    page.get_by_role("button", name="Show Classes").click()
    expect(page).to_have_url(re.compile(r"date_of_birth=.*openings=on"))
    expect(page.locator(".class-card")).to_have_count(1)


def test_find_the_right_class_error_is_next_to_its_field_without_javascript(
    portal_url, page
):
    organization = build_portal(welcome=False)
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
    page.goto(portal_url("swim", "login/"))
    page.get_by_label(re.compile("^Email")).fill("jo@example.com")
    page.get_by_label(re.compile("^Password")).fill("correct-horse-9")
    page.get_by_role("button", name="Log In").click()
    page.goto(portal_url("swim", "booking/find/"))
    page.get_by_role("button", name="Show Classes").click()
    who = page.get_by_role("group", name="Who is the class for?")
    error = page.locator("#id_student_error")
    expect(error).to_be_visible()
    expect(error).to_have_text("Choose one of your students, or someone else.")
    expect(who).to_have_attribute("aria-describedby", "id_student_error")
    expect(who.get_by_role("radio", name="Mia")).to_have_attribute(
        "aria-invalid", "true"
    )
