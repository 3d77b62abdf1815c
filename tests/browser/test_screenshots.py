"""Screenshots of the demo organization for the README (docs/screenshots/)."""

import io
import re
from pathlib import Path

from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from .support import BROWSER, DESKTOP, PHONE, stop_clock

pytestmark = BROWSER

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def wait_for_slide_background(page):
    """screenshot() does not wait for lazy pictures; load the current slide's."""
    page.locator(".slide.is-current img").evaluate(
        """image => image.decode().catch(() => {
            throw new Error("no slide picture");
        })"""
    )


def shoot(page, name, size):
    page.mouse.move(0, size["height"] - 1)  # no hover effect in the picture
    path = SCREENSHOTS / name
    page.screenshot(path=path, animations="disabled", caret="hide")
    with Image.open(path) as image:
        assert image.size == (size["width"], size["height"]), name


def test_readme_screenshots(portal_url, new_context):
    call_command("seed_demo", stdout=io.StringIO())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page = new_context(viewport=DESKTOP).new_page()
    stop_clock(page)  # the first slide stays put
    page.goto(portal_url("demo"))
    expect(page.get_by_role("heading", name="Splash Academy")).to_be_visible()
    wait_for_slide_background(page)
    shoot(page, "landing.png", DESKTOP)

    page.get_by_role("link", name="Click to Begin").click()
    welcome = page.get_by_role("dialog", name="Welcome to Splash Academy!")
    expect(welcome).to_be_visible()
    shoot(page, "welcome.png", DESKTOP)
    welcome.get_by_role("button", name="Got it").click()
    expect(welcome).to_be_hidden()
    shoot(page, "dashboard.png", DESKTOP)

    phone = new_context(viewport=PHONE).new_page()
    phone.goto(portal_url("demo", "home/"))
    phone.get_by_role("dialog").get_by_role("button", name="Got it").click()
    expect(phone.get_by_role("dialog")).to_be_hidden()
    expect(phone.locator(".toolbar-links")).to_be_hidden()
    shoot(phone, "dashboard-phone.png", PHONE)

    # The demo parent's My Account, and the first step of Create Account.
    parent = new_context(viewport=DESKTOP).new_page()
    parent.goto(portal_url("demo", "login/"))
    parent.get_by_label("Email").fill("parent@example.com")
    parent.get_by_label("Password").fill("portico-demo")
    parent.get_by_role("button", name="Log In").click()
    parent.get_by_role("dialog").get_by_role("button", name="Got it").click()
    parent.goto(portal_url("demo", "account/"))
    expect(parent.get_by_role("heading", name="My Account")).to_be_visible()
    shoot(parent, "account.png", DESKTOP)

    # Booking: the class list, and Find the Right Class for a demo student.
    parent.goto(portal_url("demo", "booking/classes/"))
    expect(parent.locator(".class-card").first).to_be_visible()
    shoot(parent, "classes.png", DESKTOP)
    parent.goto(portal_url("demo", "booking/find/"))
    parent.get_by_label("Mia").check()
    parent.get_by_role("button", name="Show Classes").click()
    expect(parent.get_by_role("heading", name="Classes for Mia")).to_be_visible()
    shoot(parent, "find-class.png", DESKTOP)

    # Enroll Mia in the first class she may take, then the cart and checkout
    # with the demo's saved sandbox card.
    parent.get_by_role("link", name=re.compile("^Enroll in ")).first.click()
    parent.get_by_role("radio", name=re.compile("Mia")).check()
    parent.get_by_role("button", name="Add to Cart").click()
    expect(parent.locator(".toolbar-cart")).to_contain_text("1 item")
    shoot(parent, "cart.png", DESKTOP)
    parent.get_by_role("link", name="Check Out").click()
    expect(parent.get_by_role("heading", name="Amount due today")).to_be_visible()
    # The payment part: the saved sandbox card and bank account.
    parent.get_by_role("button", name="Pay and Enroll").scroll_into_view_if_needed()
    expect(parent.get_by_text("•••• 4242").first).to_be_visible()
    shoot(parent, "checkout.png", DESKTOP)

    visitor = new_context(viewport=DESKTOP).new_page()
    visitor.goto(portal_url("demo", "register/"))
    expect(visitor.get_by_role("heading", name="Your login email")).to_be_visible()
    shoot(visitor, "register.png", DESKTOP)

    # The admin as the demo's manager: Organization > Staff, with the note
    # that names the time zone of the admin's dates.
    staff = new_context(viewport=DESKTOP).new_page()
    admin = portal_url("demo").replace("/portal/demo/", "/admin/")
    staff.goto(f"{admin}login/")
    staff.get_by_label("Email").fill("admin@example.com")
    staff.get_by_label("Password").fill("portico-admin")
    staff.get_by_role("button", name="Sign in").click()
    expect(staff).to_have_url(admin)
    staff.goto(f"{admin}staff/")
    expect(staff.get_by_text("desk@example.com")).to_be_visible()
    expect(staff.get_by_text("Times are in America/Chicago")).to_be_visible()
    shoot(staff, "admin-staff.png", DESKTOP)
