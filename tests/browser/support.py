"""Helpers shared by the browser tests (plain functions, not fixtures)."""

import datetime

import pytest
from django_scopes import scopes_disabled
from wagtail.rich_text import RichText

from tests.factories import (
    enable_welcome,
    make_news,
    make_organization,
    make_policy,
    make_staff_page,
)

# Every browser test needs the live server, which needs a transactional
# database; serialized_rollback brings back the rows migrations create
# (Wagtail's root page) after each test's flush.
BROWSER = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

NEWS_TITLES = ("Pool reopens", "Summer camp", "New coaches")


def update_portal_settings(organization, **fields):
    with scopes_disabled():
        portal_settings = organization.portal_settings
        for name, value in fields.items():
            setattr(portal_settings, name, value)
        portal_settings.full_clean()
        portal_settings.save()


def stop_clock(page):
    """Fake timers that move only when the test runs them (call before goto)."""
    start = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
    page.clock.install(time=start)
    page.clock.pause_at(start + datetime.timedelta(seconds=1))


def news_body(text):
    return [("paragraph", RichText(f"<p>{text}</p>"))]


def build_portal(
    slug="swim",
    *,
    name="Swim School",
    locations=1,
    news=NEWS_TITLES,
    welcome=True,
    staff_title="Our Team",
    carousel_seconds=None,
):
    """An organization with landing news, a staff page, policies and welcome."""
    organization = make_organization(name=name, slug=slug, locations=locations)
    for title in news:
        make_news(organization, title=title, body=news_body(f"All about {title}."))
    if staff_title:
        make_staff_page(organization, title=staff_title, members=("Ana", "Ben"))
    make_policy(organization, title="Liability Waiver", kind="family", required=True)
    make_policy(organization, title="Health Rules", kind="student", required=False)
    make_policy(organization, title="Staff Only", show_on_web=False)
    if welcome:
        enable_welcome(
            organization,
            title="Hello families",
            body="<p>Arrive ten minutes early.</p>",
        )
    if carousel_seconds is not None:
        update_portal_settings(organization, carousel_seconds=carousel_seconds)
    return organization


def assert_no_axe_violations(axe, page, what):
    results = axe.run(page)
    assert results.violations_count == 0, f"{what}: {results.generate_report()}"
