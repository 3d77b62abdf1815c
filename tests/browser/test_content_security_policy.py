"""The Content-Security-Policy breaks nothing that staff or parents use.

Each page is used in Chromium, and every CSP violation the browser reports
(the `securitypolicyviolation` event in each frame, and console errors that
name the policy) fails the test. The widgets Wagtail starts with inline
scripts are used too, to prove that Portico's data-driven start works.
"""

import datetime
import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from pages.models import NewsPage, StaffPage
from portal.catalog.models import Program
from portal.catalog.services import class_create, record_create
from tests.factories import make_family, make_staff

from .support import BROWSER, DESKTOP, build_portal

pytestmark = BROWSER

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ` +
      `${event.sourceFile || document.location.pathname}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def watched(page):
    """The page, recording every CSP violation that it and its frames meet."""
    page.add_init_script(RECORD_VIOLATIONS)
    page.set_viewport_size(DESKTOP)
    page.csp_console = []
    page.on(
        "console",
        lambda message: (
            page.csp_console.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


def violations(page):
    found = list(page.csp_console)
    for frame in page.frames:
        if not frame.is_detached():
            found += frame.evaluate("window.__cspViolations || []")
    return found


def settle(page):
    """Let the page finish what it loads after `load`.

    Wagtail's preview panel refreshes itself while the form changes, so the
    network may never go quiet for long; a busy machine must not fail the test
    for that. Violations are recorded as they happen either way.
    """
    page.wait_for_load_state("load")
    try:
        page.wait_for_load_state("networkidle", timeout=5_000)
    except PlaywrightTimeoutError:
        pass


def goto(page, url):
    page.goto(url)
    settle(page)


def total_forms(page, prefix):
    return int(page.locator(f"#id_{prefix}-TOTAL_FORMS").input_value())


def test_admin_dashboard_editor_choosers_preview_and_forms(watched, live_server):
    page = watched
    organization = build_portal("swim")
    make_staff(organization, email="staff@example.com")
    with scopes_disabled():
        program = record_create(Program, organization=organization, name="Swim")
        klass = class_create(
            organization=organization,
            name="Guppies",
            program=program,
            location=organization.locations.get(is_primary=True),
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
    news = NewsPage.objects.get(title="Pool reopens")
    staff_page = StaffPage.objects.get()
    admin = f"{live_server.url}/admin"

    goto(page, f"{admin}/login/")
    page.get_by_label("Email").fill("staff@example.com")
    page.get_by_label("Password").fill("correct-horse-9")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{admin}/")
    settle(page)
    assert violations(page) == [], "dashboard"

    # Page editor: the image chooser opens its modal, the preview renders.
    goto(page, f"{admin}/pages/{news.pk}/edit/")
    chooser = page.locator("#id_image-chooser")
    chooser.get_by_role("button", name="Actions").click()
    chooser.get_by_role("button", name="Change image").click()
    modal = page.locator(".modal")
    expect(modal.get_by_text("Summer camp")).to_be_visible()
    modal.get_by_role("button", name="Close").click()
    expect(modal).to_be_hidden()
    page.get_by_role("button", name="Toggle preview").click()
    preview = page.frame_locator("iframe[id^='w-preview-iframe']")
    expect(preview.get_by_role("heading", name="Pool reopens")).to_be_visible()
    # The schedule dialog's date-time pickers.
    page.get_by_role("button", name="Toggle status").click()
    page.get_by_role("button", name="Set schedule").first.click()
    page.locator("#id_go_live_at").click()
    expect(page.locator(".xdsoft_datetimepicker:visible")).to_have_count(1)
    settle(page)
    assert violations(page) == [], "page editor"

    # An inline panel: one more staff member, with its photo chooser.
    goto(page, f"{admin}/pages/{staff_page.pk}/edit/")
    members = total_forms(page, "members")
    page.get_by_role("button", name="Add staff member").click()
    assert total_forms(page, "members") == members + 1
    new_member = page.locator(f"#inline_child_members-{members}")
    new_member.get_by_role("button", name="Choose an image").click()
    modal = page.locator(".modal")
    expect(modal.get_by_text("Summer camp")).to_be_visible()
    modal.get_by_role("button", name="Close").click()
    assert violations(page) == [], "staff page editor"

    # A ModelViewSet form: an inline schedule with time pickers, dates.
    goto(page, f"{admin}/class/edit/{klass.pk}/")
    schedules = total_forms(page, "schedules")
    page.get_by_role("button", name="Add class schedule").click()
    assert total_forms(page, "schedules") == schedules + 1
    page.locator(f"#id_schedules-{schedules}-start_time").click()
    expect(page.locator(".xdsoft_datetimepicker:visible")).to_have_count(1)
    page.keyboard.press("Escape")
    page.locator("#id_season_start").click()
    expect(page.locator(".xdsoft_datetimepicker:visible")).to_have_count(1)
    assert violations(page) == [], "class form"

    # Listings and the image library.
    for path in ("class/", "pages/", "images/", f"pages/{news.get_parent().pk}/"):
        goto(page, f"{admin}/{path}")
        assert violations(page) == [], path


def test_portal_pages_meet_no_violation(watched, portal_url):
    page = watched
    organization = build_portal("swim")
    make_family(organization, email="csp@example.com", students=("Ada",))
    for path in ("", "news/", "staff/", "login/", "register/email/", "booking/"):
        goto(page, portal_url("swim", path))
        assert violations(page) == [], path
    # The landing's news dialog and carousel run on portal.js.
    goto(page, portal_url("swim"))
    learn_more = page.get_by_role("link", name=re.compile(r"^Learn More")).first
    learn_more.focus()
    page.keyboard.press("Enter")
    expect(page.locator("dialog[open]")).to_have_count(1)
    assert violations(page) == [], "landing dialog"

    goto(page, portal_url("swim", "login/"))
    page.get_by_label("Email").fill("csp@example.com")
    page.get_by_label("Password").fill("correct-horse-9")
    page.get_by_role("button", name="Log In").click()
    settle(page)
    for path in ("home/", "account/", "account/students/add/", "account/security/"):
        goto(page, portal_url("swim", path))
        assert violations(page) == [], path
