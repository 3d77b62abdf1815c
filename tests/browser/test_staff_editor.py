"""Wagtail page editor: staff members are headed by their names."""

from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import make_organization, make_staff, make_staff_page

from .support import BROWSER

pytestmark = BROWSER


def logged_in_page(new_context, live_server, user):
    """A browser page carrying a session of this user (no login form)."""
    client = Client()
    client.force_login(user)
    context = new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()


def test_staff_members_are_headed_by_their_names(live_server, new_context):
    org = make_organization(name="Swim School", slug="swim")
    staff_page = make_staff_page(org, title="Our Team", members=("Ana Diaz", "Ben Ode"))
    page = logged_in_page(new_context, live_server, make_staff(org))
    page.goto(
        live_server.url + reverse("wagtailadmin_pages:edit", args=[staff_page.pk])
    )

    members = page.locator("#id_members-FORMS > [data-inline-panel-child]")
    expect(members).to_have_count(2)
    headings = members.locator("[data-panel-heading-text]")
    expect(headings.nth(0)).to_have_text("Ana Diaz", use_inner_text=True)
    expect(headings.nth(1)).to_have_text("Ben Ode", use_inner_text=True)
    # What a screen reader announces: the name alone.
    expect(page.get_by_role("heading", name="Ana Diaz", exact=True)).to_be_visible()

    # A new member is numbered until named, then named as the editor types.
    page.get_by_role("button", name="Add Staff member").click()
    expect(members).to_have_count(3)
    expect(headings.nth(2)).to_have_text("Staff member 3", use_inner_text=True)
    name = members.nth(2).get_by_label("Name")
    name.fill("Cy Lee")
    expect(headings.nth(2)).to_have_text("Cy Lee", use_inner_text=True)
    # Renaming follows too, and an empty name brings the number back.
    first = members.nth(0).get_by_label("Name")
    first.fill("Ana Diaz-Ruiz")
    expect(headings.nth(0)).to_have_text("Ana Diaz-Ruiz", use_inner_text=True)
    first.fill("")
    expect(headings.nth(0)).to_have_text("Staff member 1", use_inner_text=True)
