"""On a phone the open MENU fits the screen: every entry, Switch Family and
Switch Location can be reached by scrolling and by the keyboard."""

import re

from django_scopes import scopes_disabled
from playwright.sync_api import expect

from pages.models import PolicyPage
from portal.families.models import Guardian
from portal.families.services import policy_answer
from tests.factories import make_family

from .support import (
    BROWSER,
    assert_no_axe_violations,
    build_portal,
    update_portal_settings,
)

pytestmark = BROWSER

SMALL_PHONE = {"width": 375, "height": 667}

# True when the element is inside the viewport and is what a tap on its
# middle would hit (not clipped away by a scrolled panel or covered).
REACHABLE = """el => {
  const r = el.getBoundingClientRect();
  if (r.top < 0 || r.left < 0 || r.bottom > window.innerHeight
      || r.right > window.innerWidth || r.height === 0) return false;
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return hit === el || el.contains(hit);
}"""


def long_menu_portal():
    """Two locations, two families for one login, every optional entry."""
    organization = build_portal(locations=2, welcome=False)
    update_portal_settings(
        organization,
        website_url="https://swim.example.com/",
        ios_app_url="https://apps.example.com/ios",
        android_app_url="https://apps.example.com/android",
    )
    first = make_family(
        organization, email="jo@example.com", password="correct-horse-9"
    )
    second = make_family(organization, email="sam@example.com", last_name="Beta")
    with scopes_disabled():
        Guardian.objects.create(
            organization=organization,
            family=second.family,
            user=first.user,
            first_name="Jordan",
            last_name="Alpha",
            invite_status="accepted",
        )
        waiver = PolicyPage.objects.get(title="Liability Waiver")
        for family in (first.family, second.family):
            policy_answer(family=family, policy=waiver, accepted=True, by=first.user)
    return organization


def log_in(page, portal_url):
    page.goto(portal_url("swim", "login/"))
    page.get_by_label(re.compile("^Email")).fill("jo@example.com")
    page.get_by_label(re.compile("^Password")).fill("correct-horse-9")
    page.get_by_role("button", name="Log In").click()
    expect(page).to_have_url(re.compile(r"/home/"))


def test_open_menu_fits_a_small_phone_and_every_entry_is_reachable(
    portal_url, new_context, axe
):
    long_menu_portal()
    page = new_context(viewport=SMALL_PHONE).new_page()
    log_in(page, portal_url)
    page.goto(portal_url("swim", "booking/"))
    summary = page.locator(".menu-dropdown > summary")
    summary.click()
    panel = page.locator(".menu-dropdown .dropdown-panel")
    expect(panel).to_be_visible()

    # The menu is taller than the screen, and yet ends inside it.
    sizes = panel.evaluate(
        "p => ({bottom: p.getBoundingClientRect().bottom,"
        " scroll: p.scrollHeight, client: p.clientHeight})"
    )
    assert sizes["scroll"] > SMALL_PHONE["height"], sizes
    assert sizes["bottom"] <= SMALL_PHONE["height"], sizes

    # Scrolling brings the last entries into view.
    for name in ("Visit Website", "Android App"):
        link = panel.get_by_role("link", name=name)
        link.scroll_into_view_if_needed()
        assert link.evaluate(REACHABLE), name
    switch_location = panel.get_by_role("button", name="Switch Location")
    switch_location.scroll_into_view_if_needed()
    assert switch_location.evaluate(REACHABLE)

    # The keyboard reaches everything, in order, each control on screen when
    # it has focus.
    panel.evaluate("p => { p.scrollTop = 0; }")
    summary.focus()
    seen = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        if not panel.evaluate("(p, el) => p.contains(el)", focused.element_handle()):
            break
        label = focused.evaluate(
            "el => el.textContent.trim() || el.closest('label')?.textContent.trim()"
        )
        assert focused.evaluate(REACHABLE), f"{label!r} is focused off screen"
        seen.append(label)
    assert "Policies" in seen and "Visit Website" in seen, seen
    assert seen.index("Switch Family") < seen.index("Switch Location"), seen
    assert seen[-1] == "Switch Location", seen
    assert_no_axe_violations(axe, page, "open menu on a small phone")

    # And it works from there: the last control switches the location.
    panel.get_by_role("radio", name=re.compile("^Location 2")).check()
    switch_location.click()
    expect(page).to_have_url(portal_url("swim", "booking/"))
    summary.click()
    expect(panel.locator("address")).to_contain_text("11 Pool Road")
