"""My Account > Payments in a real browser: a card and a bank account typed
into the sandbox gateway's iframe, set default, delete; axe on desktop and
phone. Then no card or bank account number is anywhere in the database or
the logs."""

import logging
import re

import pytest
from django.apps import apps
from django.db import models
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from portal.billing.gateways.sandbox import luhn_valid
from portal.billing.models import PaymentMethod
from tests.browser.support import (
    BROWSER,
    DESKTOP,
    PHONE,
    assert_no_axe_violations,
    update_portal_settings,
)
from tests.factories import make_family, make_organization
from tests.factories.billing import make_gateway_account

pytestmark = BROWSER

EMAIL = "pat@example.com"
BANK_ACCOUNT = "000123456789"


def log_in(page, url):
    page.goto(url)
    page.get_by_label(re.compile("^Email")).fill(EMAIL)
    page.get_by_label(re.compile("^Password")).fill("correct-horse-9")
    page.get_by_role("button", name="Log In").click()
    expect(page.get_by_role("heading", name="Payments", exact=True)).to_be_visible()


def every_stored_text():
    """Every char, text and JSON value of every table."""
    texts = []
    with scopes_disabled():
        for model in apps.get_models():
            fields = [
                f.attname
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField | models.JSONField)
            ]
            if fields:
                manager = model._base_manager
                texts.extend(str(v) for v in manager.values_list(*fields))
    return "\n".join(texts)


def card_like_numbers(text):
    return [
        run for run in re.findall(r"(?<!\d)\d{13,19}(?!\d)", text) if luhn_valid(run)
    ]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_add_default_delete_and_no_card_data(
    live_server, new_context, axe, caplog, viewport
):
    organization = make_organization(slug="swim")
    make_gateway_account(organization)
    update_portal_settings(organization, accept_echecks=True)
    guardian = make_family(organization, email=EMAIL)
    url = f"{live_server.url}/portal/swim/account/payments/"
    page = new_context(viewport=viewport).new_page()
    caplog.set_level(logging.DEBUG)

    log_in(page, url)
    expect(page.get_by_text("No payment methods stored yet.")).to_be_visible()
    assert_no_axe_violations(axe, page, "payments, empty")

    # A card: a typo first, then the test card.
    frame = page.frame_locator("iframe.gateway-frame")
    frame.get_by_label("Card number").fill("4242 4242 4242 4241")
    frame.get_by_label("Expiry (MM/YY)").fill("12/34")
    frame.get_by_label("Security code (CVC)").fill("123")
    frame.get_by_role("button", name="Continue").click()
    expect(frame.get_by_text("This card number is not valid.")).to_be_visible()
    frame.get_by_label("Card number").fill("4242 4242 4242 4242")
    frame.get_by_label("Security code (CVC)").fill("123")
    frame.get_by_role("button", name="Continue").click()
    expect(frame.get_by_text("Visa ending in 4242 is ready.")).to_be_visible()
    expect(
        page.get_by_role("status").filter(has_text="Visa ending in 4242")
    ).to_be_visible()
    page.get_by_role("button", name="Save Payment Method").click()
    expect(page.get_by_text("Visa •••• 4242 was saved.")).to_be_visible()
    expect(page.get_by_text("expires 12/2034")).to_be_visible()

    # A bank account, made the default.
    frame = page.frame_locator("iframe.gateway-frame")
    frame.get_by_role("link", name="Bank account").click()
    frame.get_by_label("Routing number").fill("110000000")
    frame.get_by_label("Account number").fill(BANK_ACCOUNT)
    frame.get_by_role("button", name="Continue").click()
    expect(
        frame.get_by_text("Sandbox Test Bank ending in 6789 is ready.")
    ).to_be_visible()
    page.get_by_label("Make this my default payment method").check()
    page.get_by_label("This payment method is authorized for recurring billing").check()
    page.get_by_role("button", name="Save Payment Method").click()
    expect(page.get_by_text("Sandbox Test Bank •••• 6789 was saved.")).to_be_visible()
    assert_no_axe_violations(axe, page, "payments, two methods")

    with scopes_disabled():
        bank = PaymentMethod.objects.get(guardian=guardian, kind="bank")
        card = PaymentMethod.objects.get(guardian=guardian, kind="card")
    assert bank.is_default and bank.recurring_authorized and not card.is_default

    # Set the card back as default, then delete the bank account.
    page.get_by_role("button", name="Set to Default Visa •••• 4242").click()
    expect(page.get_by_text("Your default payment method was changed.")).to_be_visible()
    page.get_by_role("link", name="Delete Sandbox Test Bank •••• 6789").click()
    expect(page.get_by_role("heading", name="Delete Payment Method")).to_be_visible()
    assert_no_axe_violations(axe, page, "delete confirmation")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Sandbox Test Bank •••• 6789 was deleted.")).to_be_visible()
    with scopes_disabled():
        assert list(PaymentMethod.objects.filter(guardian=guardian)) == [card]
        card.refresh_from_db()
    assert card.is_default

    # No card data anywhere: not in any table, not in the logs.
    stored = every_stored_text()
    logged = caplog.text
    assert "4242" in stored  # the last four digits are kept, as they may be
    for where, text in (("database", stored), ("logs", logged)):
        assert card_like_numbers(text) == [], where
        assert BANK_ACCOUNT not in text, where
        assert "4242424242424242" not in text.replace(" ", ""), where
