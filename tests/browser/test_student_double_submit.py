"""A double click on Save in Add Student adds one student."""

import re

from django_scopes import scopes_disabled
from playwright.sync_api import expect

from portal.families.models import Student
from tests.factories import make_family, make_organization

from .support import BROWSER, DESKTOP

pytestmark = BROWSER


def test_double_click_on_save_adds_one_student(page, portal_url):
    organization = make_organization(slug="swim")
    guardian = make_family(organization, email="mom@example.com", students=("Mia",))
    page.set_viewport_size(DESKTOP)
    page.goto(portal_url("swim", "login/"))
    page.get_by_label("Email").fill("mom@example.com")
    page.get_by_label("Password").fill("correct-horse-9")
    page.get_by_role("button", name="Log In").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))

    page.goto(portal_url("swim", "account/students/add/"))
    page.get_by_label("First name").fill("Leo")
    page.get_by_label("Last name").fill("Lake")
    page.get_by_label("Date of birth").fill("2019-04-02")
    # Two clicks as a hurried hand makes them: the second while the first
    # submission is on its way (Chromium sends both; the first answer is lost).
    page.get_by_role("button", name="Save").evaluate(
        "button => { button.click(); setTimeout(() => button.click(), 150); }"
    )

    # Without student policies to answer, the new student's page is My Account.
    expect(page).to_have_url(portal_url("swim", "account/"))
    expect(page.get_by_text("Leo Lake was added to your family.")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    with scopes_disabled():
        assert (
            Student.objects.filter(family=guardian.family, first_name="Leo").count()
            == 1
        )
