"""Stripe's card entry in a real browser: My Account > Payments of an
organization whose gateway is Stripe embeds /gateway/stripe/entry/, where
Stripe.js (here tests/browser/fakes/stripe_v3.js, served in place of
https://js.stripe.com/v3/) turns the card into a PaymentMethod id that the
page saves as a stored method; a declined card shows Stripe's message next to
the field and saves nothing."""

import re
from pathlib import Path

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from portal.billing.gateways.base import StoredMethod
from portal.billing.gateways.stripe import StripeGateway
from portal.billing.models import PaymentMethod
from tests.browser.support import (
    BROWSER,
    DESKTOP,
    PHONE,
    assert_no_axe_violations,
)
from tests.factories import make_family, make_organization
from tests.factories.billing import make_gateway_account

pytestmark = BROWSER

EMAIL = "pat@example.com"
FAKE_STRIPE_JS = (Path(__file__).parent / "fakes" / "stripe_v3.js").read_text()
PUBLISHABLE = "pk_test_51PorticoPublishable"


@pytest.fixture
def stripe_family(monkeypatch):
    organization = make_organization(slug="swim")
    make_gateway_account(
        organization,
        provider="stripe",
        publishable_key=PUBLISHABLE,
        secret_key="sk_test_51PorticoSecret",
    )
    guardian = make_family(organization, email=EMAIL)
    tokens = []

    def setup_method(self, *, token, customer_reference=""):
        tokens.append(token)
        assert token == "pm_card_visa"
        return StoredMethod(
            kind="card",
            brand="Visa",
            last4="4242",
            token=token,
            exp_month=12,
            exp_year=2034,
            customer_reference=customer_reference or "cus_portico_test",
        )

    # The live server answers from threads of this process.
    monkeypatch.setattr(StripeGateway, "setup_method", setup_method)
    return guardian, tokens


def open_payments(page, live_server):
    """Serve the fake Stripe.js and log in on My Account > Payments."""
    requested = []

    def fulfil(route):
        requested.append(route.request.url)
        route.fulfill(
            status=200, content_type="application/javascript", body=FAKE_STRIPE_JS
        )

    page.route("https://js.stripe.com/v3/**", fulfil)
    page.goto(f"{live_server.url}/portal/swim/account/payments/")
    page.get_by_label(re.compile("^Email")).fill(EMAIL)
    page.get_by_label(re.compile("^Password")).fill("correct-horse-9")
    page.get_by_role("button", name="Log In").click()
    expect(page.get_by_role("heading", name="Payments", exact=True)).to_be_visible()
    return requested


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_parent_saves_a_card_typed_into_stripe_fields(
    live_server, new_context, axe, stripe_family, viewport
):
    guardian, tokens = stripe_family
    page = new_context(viewport=viewport).new_page()
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content" in m.text else 0)
    requested = open_payments(page, live_server)

    frame = page.frame_locator("iframe.gateway-frame")
    frame.get_by_label("Card number").fill("4242 4242 4242 4242")
    assert requested == ["https://js.stripe.com/v3/"]
    assert_no_axe_violations(axe, page, "payments with Stripe entry")
    frame.get_by_role("button", name="Continue").click()
    expect(frame.get_by_text("Visa ending in 4242 is ready.")).to_be_visible()
    expect(
        page.get_by_role("status").filter(has_text="Visa ending in 4242")
    ).to_be_visible()
    page.get_by_role("button", name="Save Payment Method").click()
    expect(page.get_by_text("Visa •••• 4242 was saved.")).to_be_visible()
    expect(page.get_by_text("expires 12/2034")).to_be_visible()
    assert tokens == ["pm_card_visa"]
    with scopes_disabled():
        method = PaymentMethod.objects.get(guardian=guardian)
    assert (method.gateway, method.token, method.brand, method.last4) == (
        "stripe",
        "pm_card_visa",
        "Visa",
        "4242",
    )
    assert blocked == []  # no Content-Security-Policy violation


def test_a_declined_card_shows_stripes_message_and_saves_nothing(
    live_server, new_context, stripe_family
):
    guardian, tokens = stripe_family
    page = new_context(viewport=DESKTOP).new_page()
    open_payments(page, live_server)

    frame = page.frame_locator("iframe.gateway-frame")
    frame.get_by_label("Card number").fill("4000 0000 0000 0002")
    frame.get_by_role("button", name="Continue").click()
    expect(frame.get_by_role("alert")).to_have_text("Your card was declined.")
    expect(frame.get_by_text("is ready.")).to_have_count(0)
    expect(page.locator('input[name="gateway_token"]')).to_have_value("")

    # Saving without a card is refused by the page, and nothing is stored.
    page.get_by_role("button", name="Save Payment Method").click()
    expect(
        page.get_by_text(
            "Enter the card or bank account details above and press Continue first."
        )
    ).to_be_visible()
    expect(page.get_by_text("was saved.")).to_have_count(0)
    assert tokens == []
    with scopes_disabled():
        assert not PaymentMethod.objects.filter(guardian=guardian).exists()

    # The entry then takes a good card.
    frame.get_by_label("Card number").fill("4242 4242 4242 4242")
    frame.get_by_role("button", name="Continue").click()
    expect(frame.get_by_text("Visa ending in 4242 is ready.")).to_be_visible()
    expect(frame.get_by_role("alert")).to_have_text("")
