"""My Account > Payments in a real browser: Make Payment for a chosen charge
with the sandbox test card typed into the gateway's iframe (a declined card
first), then Apply Credit; axe clean at each step."""

import re
import uuid
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from portal.billing.models import Allocation, LedgerEntry, Payment
from portal.billing.services import charge_post, credit_post
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
FRAME = 'iframe[title="Card or bank account details for this payment"]'


def log_in(page, url):
    page.goto(url)
    page.get_by_label(re.compile("^Email")).fill(EMAIL)
    page.get_by_label(re.compile("^Password")).fill("correct-horse-9")
    page.get_by_role("button", name="Log In").click()
    expect(page.get_by_role("heading", name="Payments", exact=True)).to_be_visible()


def enter_card(page, number):
    frame = page.frame_locator(FRAME)
    frame.get_by_label("Card number").fill(number)
    frame.get_by_label("Expiry (MM/YY)").fill("12/34")
    frame.get_by_label("Security code (CVC)").fill("123")
    frame.get_by_role("button", name="Continue").click()
    expect(frame.get_by_text(f"ending in {number[-4:]} is ready.")).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_make_payment_and_apply_credit(live_server, new_context, axe, viewport):
    organization = make_organization(slug="swim")
    make_gateway_account(organization)
    guardian = make_family(organization, email=EMAIL, students=("Ava",))
    family = guardian.family
    with scopes_disabled():
        student = family.students.get()
        location = organization.locations.get()
        tuition, camp, fee = (
            charge_post(
                family=family,
                amount=Decimal(amount),
                description=description,
                idempotency_key=uuid.uuid4().hex,
                student=student,
                location=location,
            )
            for amount, description in (
                ("80.00", "Tuition – Sharks"),
                ("150.00", "Summer camp"),
                ("25.00", "Registration fee"),
            )
        )
        credit_post(
            family=family,
            amount=Decimal("20.00"),
            reason="Goodwill",
            idempotency_key=uuid.uuid4().hex,
        )
    url = f"{live_server.url}/portal/swim/account/payments/"
    page = new_context(viewport=viewport).new_page()

    log_in(page, url)
    total = page.locator("[data-outstanding-total]")
    expect(total).to_have_text("$255.00")
    expect(page.locator("[data-credit-total]")).to_have_text("$20.00")
    assert_no_axe_violations(axe, page, "payments with charges and credit")

    # Make Payment for the tuition only.
    pay = page.locator("form[data-make-payment]")
    pay.get_by_label(re.compile("Summer camp")).uncheck()
    pay.get_by_label(re.compile("Registration fee")).uncheck()
    expect(pay.get_by_label("Amount to pay")).to_have_attribute("placeholder", "80.00")

    # A declined card says why next to the payment fields; nothing is posted.
    enter_card(page, "4000 0000 0000 0002")
    page.get_by_role("button", name="Make Payment").click()
    expect(page.locator("#pay-method-error")).to_have_text("Your card was declined.")
    expect(total).to_have_text("$255.00")
    assert_no_axe_violations(axe, page, "payments, declined card")
    with scopes_disabled():
        assert not LedgerEntry.objects.filter(kind="payment").exists()

    # The test card goes through.
    pay = page.locator("form[data-make-payment]")
    pay.get_by_label(re.compile("Summer camp")).uncheck()
    pay.get_by_label(re.compile("Registration fee")).uncheck()
    enter_card(page, "4242 4242 4242 4242")
    page.get_by_role("button", name="Make Payment").click()
    expect(
        page.get_by_text("Thank you! Your payment of $80.00 was received.")
    ).to_be_visible()
    expect(total).to_have_text("$175.00")
    expect(page.locator(".last-payment")).to_contain_text("$80.00 on ")
    with scopes_disabled():
        payment = Payment.objects.get(status="confirmed")
        assert payment.charge_ids == [tuition.pk]
        assert [a.charge_id for a in Allocation.objects.all()] == [tuition.pk]

    # Apply Credit to the registration fee.
    credit = page.locator("form.apply-credit-form")
    credit.get_by_label(re.compile("Registration fee")).check()
    credit.get_by_role("button", name="Apply Credit").click()
    expect(page.get_by_text("$20.00 of your credit was applied.")).to_be_visible()
    expect(total).to_have_text("$155.00")
    expect(page.locator("[data-credit-total]")).to_have_text("$0.00")
    assert_no_axe_violations(axe, page, "payments after Apply Credit")
    with scopes_disabled():
        applied = Allocation.objects.exclude(idempotency_key="").get()
        assert (applied.charge_id, applied.amount) == (fee.pk, Decimal("20.00"))
        assert not Allocation.objects.filter(charge=camp).exists()
