"""Response headers: the Content-Security-Policy of each area, no inline script
in the admin's HTML, and Cache-Control: no-store on personal pages."""

import datetime
import re

import pytest
from django_scopes import scopes_disabled

from pages.models import NewsPage
from portal.catalog.models import Program
from portal.catalog.services import class_create, record_create
from tests.factories import (
    make_family,
    make_news,
    make_organization,
    make_staff,
    make_staff_page,
)

pytestmark = pytest.mark.django_db


def policy(response):
    """{directive: [sources]} from the Content-Security-Policy header."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def executable_inline_scripts(html):
    """<script> elements that a browser would run from the page's own text."""
    found = []
    for attributes, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S):
        if "src=" in attributes or 'type="application/json"' in attributes:
            continue
        found.append(f"<script{attributes}>{body[:80]}")
    return found


@pytest.fixture
def organization():
    organization = make_organization(slug="swim")
    make_news(organization, title="Pool reopens")
    make_staff_page(organization)
    return organization


def test_portal_pages_allow_scripts_and_styles_only_from_portico(client, organization):
    for url in ("/portal/swim/", "/portal/swim/news/", "/portal/swim/login/"):
        response = client.get(url)
        assert response.status_code == 200
        directives = policy(response)
        assert directives["script-src"] == ["'self'"], url
        assert directives["style-src"] == ["'self'"], url
        assert directives["default-src"] == ["'self'"], url
        assert directives["object-src"] == ["'none'"], url
        assert "unsafe-inline" not in response["Content-Security-Policy"], url


def test_admin_allows_inline_styles_but_never_inline_scripts(client, organization):
    client.force_login(make_staff(organization))
    for url in ("/admin/", "/admin/login/", "/admin/images/"):
        directives = policy(client.get(url))
        assert directives["script-src"] == ["'self'"], url
        assert directives["style-src"] == ["'self'", "'unsafe-inline'"], url
        assert directives["img-src"] == ["'self'"], url  # no gravatar


def test_admin_forms_carry_no_inline_script(client, organization):
    """Wagtail starts choosers, inline panels and date pickers with inline
    scripts; Portico renders the same calls as JSON data instead."""
    client.force_login(make_staff(organization))
    with scopes_disabled():
        program = record_create(Program, organization=organization, name="Swim")
        klass = class_create(
            organization=organization,
            name="Guppies",
            program=program,
            location=organization.locations.get(),
            season_start=datetime.date(2026, 9, 1),
            season_end=datetime.date(2026, 12, 31),
            schedules=[
                {
                    "weekday": 1,
                    "start_time": datetime.time(17),
                    "end_time": datetime.time(17, 45),
                }
            ],
        )
    news = NewsPage.objects.get()
    staff_page = news.get_parent().get_parent().get_children().get(slug="staff")
    for url, widgets in (
        # image chooser, go-live and expiry date-times, a date
        (f"/admin/pages/{news.pk}/edit/", ["chooser", "datetime-chooser"]),
        # an inline panel whose forms each have an image chooser
        (f"/admin/pages/{staff_page.pk}/edit/", ["inline-panel", "chooser"]),
        # an inline panel with time pickers, dates, a date-time
        (
            f"/admin/class/edit/{klass.pk}/",
            ["inline-panel", "date-chooser", "time-chooser", "datetime-chooser"],
        ),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert executable_inline_scripts(html) == [], url
        for widget in widgets:
            assert f'data-portico-init="{widget}"' in html, (url, widget)
        assert "/static/js/admin/csp-init.js" in html


def no_store(response):
    return "no-store" in response.get("Cache-Control", "")


def test_account_pages_and_forms_are_never_stored(client, organization):
    for url in (
        "/portal/swim/login/",
        "/portal/swim/register/",
        "/portal/swim/password/forgot/",
        "/portal/swim/invite/some-token/",
        "/portal/swim/account/",  # a redirect to log in
        "/admin/login/",
    ):
        response = client.get(url)
        assert no_store(response), (url, response.status_code)


def test_every_page_for_a_logged_in_parent_is_never_stored(client, organization):
    guardian = make_family(organization, students=("Ada",))
    client.force_login(guardian.user)
    for url in (
        "/portal/swim/home/",
        "/portal/swim/account/",
        "/portal/swim/account/students/add/",
        "/portal/swim/",  # even the landing, which shows their name
        "/portal/swim/news/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert no_store(response), url
        assert "private" in response["Cache-Control"], url


def test_public_pages_for_visitors_may_be_stored(client, organization):
    for url in (
        "/portal/swim/",
        "/portal/swim/news/",
        "/portal/swim/news/pool-reopens/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not no_store(response), url
