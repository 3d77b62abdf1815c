"""Dashboard, Welcome Information, toolbar, location switch, phone menu."""

import re

from playwright.sync_api import expect

from .support import BROWSER, PHONE, build_portal, update_portal_settings

pytestmark = BROWSER


def welcome_dialog(page):
    return page.get_by_role("dialog", name="Hello families")


def toolbar(page):
    return page.get_by_role("banner")


def open_dropdown(page, label):
    toolbar(page).locator("summary", has_text=label).click()


def test_welcome_shows_once_per_browser_session(portal_url, page, new_context):
    build_portal()
    dashboard = portal_url("swim", "home/")
    page.goto(dashboard)
    dialog = welcome_dialog(page)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Arrive ten minutes early.")
    assert dialog.evaluate("d => d.matches(':modal')")

    dialog.get_by_role("button", name="Got it").click()
    expect(dialog).to_be_hidden()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(welcome_dialog(page)).to_be_hidden()

    tile = page.get_by_role("link", name=re.compile("^Welcome Info"))
    tile.click()
    expect(welcome_dialog(page)).to_be_visible()
    expect(page).to_have_url(dashboard)  # opened in place, no page load
    page.keyboard.press("Escape")
    expect(welcome_dialog(page)).to_be_hidden()
    expect(tile).to_be_focused()

    # A new browser session has not seen it yet.
    fresh = new_context().new_page()
    fresh.goto(dashboard)
    expect(welcome_dialog(fresh)).to_be_visible()


def test_no_welcome_dialog_or_tile_when_switched_off(portal_url, page):
    build_portal(welcome=False)
    page.goto(portal_url("swim", "home/"))
    expect(page.locator(".tile-news")).to_be_visible()
    expect(page.locator("dialog")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Welcome Info"))).to_have_count(0)


def test_toolbar_links_to_news_more_and_back_home(portal_url, page):
    build_portal(welcome=False)
    page.goto(portal_url("swim", "home/"))

    toolbar(page).get_by_role("link", name="News", exact=True).click()
    expect(page).to_have_url(portal_url("swim", "news/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("News")
    news_link = toolbar(page).get_by_role("link", name="News", exact=True)
    expect(news_link).to_have_attribute("aria-current", "page")

    staff_link = toolbar(page).get_by_role("link", name="Our Team")
    expect(staff_link).to_be_hidden()
    open_dropdown(page, "More")
    expect(staff_link).to_be_visible()
    expect(toolbar(page).get_by_role("link", name="Policies")).to_be_visible()
    staff_link.click()
    expect(page).to_have_url(portal_url("swim", "staff/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Our Team")
    expect(page.get_by_role("heading", name="Ana")).to_be_visible()

    open_dropdown(page, "More")
    toolbar(page).get_by_role("link", name="Policies").click()
    expect(page).to_have_url(portal_url("swim", "policies/"))
    expect(page.get_by_role("link", name="Liability Waiver")).to_be_visible()
    expect(page.get_by_role("link", name="Staff Only")).to_have_count(0)

    toolbar(page).get_by_role("link", name="Swim School — Home").click()
    expect(page).to_have_url(portal_url("swim", "home/"))


def test_more_dropdown_closes_with_escape_and_outside_click(portal_url, page):
    build_portal(welcome=False)
    page.goto(portal_url("swim", "home/"))
    more = toolbar(page).locator("summary", has_text="More")
    staff_link = toolbar(page).get_by_role("link", name="Our Team")

    more.click()
    expect(staff_link).to_be_visible()
    page.keyboard.press("Escape")
    expect(staff_link).to_be_hidden()
    expect(more).to_be_focused()

    more.click()
    expect(staff_link).to_be_visible()
    page.get_by_text("Powered by Portico").click()
    expect(staff_link).to_be_hidden()


def test_switched_off_entries_are_not_offered(portal_url, page):
    organization = build_portal(welcome=False)
    page.goto(portal_url("swim", "home/"))
    expect(page.locator(".tile-news")).to_be_visible()

    update_portal_settings(organization, show_news=False, show_staff_page=False)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("News"))).to_have_count(0)
    expect(page.locator(".tile-news")).to_have_count(0)
    open_dropdown(page, "More")
    expect(toolbar(page).get_by_role("link", name="Policies")).to_be_visible()
    expect(page.get_by_role("link", name="Our Team")).to_have_count(0)
    open_dropdown(page, "Menu")
    menu = toolbar(page).locator(".menu-dropdown")
    expect(menu.get_by_role("link", name="Policies")).to_be_visible()
    expect(menu.get_by_role("link", name="News")).to_have_count(0)
    expect(menu.get_by_role("link", name="Our Team")).to_have_count(0)


def test_location_switch_changes_contact_and_persists(portal_url, page):
    build_portal(locations=2, welcome=False)
    page.goto(portal_url("swim", "home/"))
    summary = toolbar(page).locator(".location-summary")
    expect(summary).to_contain_text("10 Pool Road")
    expect(summary).to_contain_text("555-0100")

    open_dropdown(page, "Location Details")
    panel = toolbar(page).locator(".location-dropdown")
    expect(panel.get_by_role("group", name="Choose a location")).to_be_visible()
    expect(panel.get_by_role("radio", name=re.compile("^Location 1"))).to_be_checked()
    panel.get_by_role("radio", name=re.compile("^Location 2")).check()
    panel.get_by_role("button", name="Switch Location").click()

    expect(page).to_have_url(portal_url("swim", "home/"))
    expect(summary).to_contain_text("11 Pool Road")
    expect(summary).to_contain_text("555-0101")
    expect(summary).not_to_contain_text("10 Pool Road")

    toolbar(page).get_by_role("link", name="News", exact=True).click()
    expect(page).to_have_url(portal_url("swim", "news/"))
    expect(summary).to_contain_text("11 Pool Road")
    open_dropdown(page, "Location Details")
    expect(panel.locator("address")).to_contain_text("Location 2")
    expect(panel.get_by_role("radio", name=re.compile("^Location 2"))).to_be_checked()


def test_single_location_has_no_location_details(portal_url, page):
    build_portal(locations=1, welcome=False)
    page.goto(portal_url("swim", "home/"))
    expect(toolbar(page).locator(".location-summary")).to_contain_text("555-0100")
    expect(page.get_by_text("Location Details")).to_have_count(0)
    expect(page.get_by_role("button", name="Switch Location")).to_have_count(0)


def test_phone_toolbar_folds_into_menu(portal_url, new_context):
    build_portal(locations=2, welcome=False)
    page = new_context(viewport=PHONE).new_page()
    page.goto(portal_url("swim", "home/"))
    expect(toolbar(page).locator(".toolbar-links")).to_be_hidden()
    expect(toolbar(page).locator(".toolbar-location")).to_be_hidden()
    expect(toolbar(page).get_by_role("link", name="News")).to_have_count(0)

    open_dropdown(page, "Menu")
    menu = toolbar(page).locator(".menu-dropdown .dropdown-panel")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="News")).to_be_visible()
    expect(menu.get_by_role("link", name="Our Team")).to_be_visible()
    expect(menu.get_by_role("link", name="Policies")).to_be_visible()
    expect(menu.get_by_role("heading", name="Location Details")).to_be_visible()
    expect(menu.locator("address")).to_contain_text("10 Pool Road")
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box

    menu.get_by_role("radio", name=re.compile("^Location 2")).check()
    menu.get_by_role("button", name="Switch Location").click()
    expect(page).to_have_url(portal_url("swim", "home/"))
    open_dropdown(page, "Menu")
    expect(menu.locator("address")).to_contain_text("11 Pool Road")
    expect(menu.locator("address")).to_contain_text("555-0101")

    menu.get_by_role("link", name="Our Team").click()
    expect(page).to_have_url(portal_url("swim", "staff/"))


def test_register_or_log_in_is_listed_once_in_the_menu(portal_url, new_context):
    build_portal(locations=2, welcome=False)
    page = new_context(viewport=PHONE).new_page()
    page.goto(portal_url("swim", "home/"))
    open_dropdown(page, "Menu")
    menu = toolbar(page).locator(".menu-dropdown .dropdown-panel")
    login = menu.get_by_role("link", name="Register / Log In")
    expect(login).to_have_count(1)
    expect(login).to_be_visible()
    login.click()
    expect(page).to_have_url(portal_url("swim", "login/"))
