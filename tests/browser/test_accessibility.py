"""axe finds no WCAG violations on the portal's pages, in their open states."""

import re

from playwright.sync_api import expect

from .support import BROWSER, PHONE, assert_no_axe_violations, build_portal

pytestmark = BROWSER

CONTENT_PAGES = {
    "landing": "",
    "news-index": "news/",
    "news-article": "news/pool-reopens/",
    "staff-page": "staff/",
    "policy-index": "policies/",
    "policy-page": "policies/liability-waiver/",
}


def test_content_pages(portal_url, page, axe):
    build_portal(locations=2)
    reports = []
    for name, path in CONTENT_PAGES.items():
        response = page.goto(portal_url("swim", path))
        assert response.status == 200, name
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        results = axe.run(page)
        if results.violations_count:
            reports.append(f"{name}: {results.generate_report()}")
    assert not reports, "\n\n".join(reports)


def test_landing_with_article_dialog_open(portal_url, page, axe):
    build_portal()
    page.goto(portal_url("swim"))
    page.get_by_role("link", name=re.compile(r"^Learn More")).first.click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert_no_axe_violations(axe, page, "landing, article dialog open")


def test_dashboard_with_welcome_open_and_closed(portal_url, page, axe):
    build_portal(locations=2)
    page.goto(portal_url("swim", "home/"))
    dialog = page.get_by_role("dialog", name="Hello families")
    expect(dialog).to_be_visible()
    assert_no_axe_violations(axe, page, "dashboard, welcome open")
    dialog.get_by_role("button", name="Got it").click()
    expect(dialog).to_be_hidden()
    assert_no_axe_violations(axe, page, "dashboard, welcome closed")


def test_toolbar_dropdowns_open_on_desktop_and_phone(portal_url, page, axe):
    build_portal(locations=2, welcome=False)
    page.goto(portal_url("swim", "home/"))
    page.locator("summary", has_text="More").click()
    expect(page.get_by_role("link", name="Our Team")).to_be_visible()
    assert_no_axe_violations(axe, page, "dashboard, MORE open")
    page.locator("summary", has_text="Location Details").click()
    expect(page.get_by_role("button", name="Switch Location")).to_be_visible()
    assert_no_axe_violations(axe, page, "dashboard, LOCATION DETAILS open")

    page.set_viewport_size(PHONE)
    page.reload()
    page.locator("summary", has_text="Menu").click()
    expect(page.get_by_role("button", name="Switch Location")).to_be_visible()
    expect(page.locator(".toolbar-links")).to_be_hidden()
    assert_no_axe_violations(axe, page, "phone dashboard, MENU open")


def test_landing_without_javascript(portal_url, page, axe):
    build_portal()
    # Scripts stay on for axe itself (evaluate() does not run in a context with
    # JavaScript disabled); the portal's own script is kept from loading.
    page.route("**/js/portal.js", lambda route: route.abort())
    page.goto(portal_url("swim"))
    expect(page.locator(".carousel .slide:visible")).to_have_count(3)
    expect(page.get_by_role("button", name="Next")).to_be_hidden()
    assert_no_axe_violations(axe, page, "landing without JavaScript")
