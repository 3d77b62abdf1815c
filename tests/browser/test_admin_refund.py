"""The front desk refunds part of a card payment from the family record."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import make_family, make_organization
from tests.factories.frontdesk import make_card_payment, make_charge, make_role_staff

from .support import BROWSER, DESKTOP, assert_no_axe_violations

pytestmark = BROWSER


def test_front_desk_refunds_part_of_a_card_payment(live_server, page, axe):
    organization = make_organization(name="Swim School", slug="swim")
    make_role_staff(
        organization,
        "front_desk",
        email="desk@swim.example.com",
        first_name="Dana",
        last_name="Desk",
    )
    family = make_family(
        organization, first_name="Rosa", last_name="Rivera", students=("Mia",)
    ).family
    make_charge(family, "100.00", description="Spring session")
    make_card_payment(family, "130.00")

    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + reverse("wagtailadmin_login"))
    page.locator('input[name="username"]').fill("desk@swim.example.com")
    page.locator('input[name="password"]').fill("correct-horse-9")
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    # From the families listing to the record.
    page.goto(live_server.url + reverse("family:index"))
    page.get_by_role("link", name="Family record of Rivera").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rivera")
    expect(page.get_by_test_id("balance")).to_have_text("$0.00")
    expect(page.get_by_test_id("credit")).to_have_text("$30.00")
    expect(page.get_by_role("cell", name="Spring session", exact=True)).to_be_visible()
    assert_no_axe_violations(axe, page, "family record")

    page.get_by_role(
        "link", name="Refund Payment – Visa ending in 4242", exact=True
    ).click()
    expect(page.get_by_test_id("refundable-to-method")).to_have_text("$30.00")
    page.get_by_label("Amount to refund").fill("12.50")
    page.get_by_label("To the card, bank account or hand it back").check()
    page.get_by_label("Reason").fill("Two lessons missed")
    page.get_by_role("button", name="Refund", exact=True).click()

    expect(page.get_by_text("$12.50 refunded.")).to_be_visible()
    expect(page.get_by_test_id("balance")).to_have_text("$0.00")
    expect(page.get_by_test_id("credit")).to_have_text("$17.50")
    row = page.get_by_role("row").filter(has_text="Refund to Visa ending in 4242")
    expect(row).to_contain_text("$12.50")
    expect(row).to_contain_text("Two lessons missed")
    # Wagtail's message fades in: check its colours once it has.
    page.locator(".messages").evaluate(
        "el => Promise.all(el.getAnimations({subtree: true}).map(a => a.finished))"
    )
    assert_no_axe_violations(axe, page, "family record after the refund")
