"""E-mailed receipts for payments (Make Payment) and refunds: text and HTML
parts, absolute links, dates in the location's time zone."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django_scopes import scopes_disabled

from portal.billing.collect import payment_take
from portal.billing.models import LedgerEntry
from portal.billing.receipts import send_payment_receipt, send_refund_receipt
from portal.billing.services import charge_post, refund_post
from tests.factories import make_family, make_organization
from tests.factories.billing import make_gateway_account, make_payment_method

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def org():
    organization = make_organization(slug="swim", name="Splash & Co")
    make_gateway_account(organization)
    with scopes_disabled():
        location = organization.locations.first()
        location.time_zone = "America/Chicago"
        location.save()
    return organization


@pytest.fixture
def guardian(org):
    return make_family(org, last_name="O'Neil", students=("Ava",))


@pytest.fixture
def family(guardian):
    return guardian.family


def post_charge(family, amount, description):
    with scopes_disabled():
        return charge_post(
            family=family,
            amount=D(amount),
            description=description,
            idempotency_key=uuid.uuid4().hex,
            student=family.students.first(),
            location=family.organization.locations.first(),
        )


def pay(family, guardian, amount, charges, **kw):
    with scopes_disabled():
        return payment_take(
            family=family,
            guardian=guardian,
            amount=D(amount),
            idempotency_key=uuid.uuid4().hex,
            purpose="balance",
            charges=charges,
            method=make_payment_method(guardian, is_default=True),
            # 02:30 UTC on Mar 10 is the evening of Mar 9 in Chicago.
            now=datetime.datetime(2026, 3, 10, 2, 30, tzinfo=datetime.UTC),
            **kw,
        )


def test_make_payment_sends_a_receipt(
    org, guardian, family, django_capture_on_commit_callbacks
):
    tuition = post_charge(family, "80", "Tuition – Sharks (Ava)")
    post_charge(family, "25", "Registration fee")
    with django_capture_on_commit_callbacks(execute=True):
        pay(family, guardian, "90.00", [tuition], base_url="https://swim.example")
    [message] = mail.outbox
    assert message.to == [guardian.user.email]
    assert message.subject == "Your payment to Splash & Co"
    text = message.body
    assert "Thank you! Here is your receipt from Splash & Co." in text
    assert f"Family: {family.name}" in text and "O'Neil" in text
    assert "Paid: $90.00 (Visa •••• 4242)" in text
    assert "Date: Mar 9, 2026" in text
    assert "- Tuition – Sharks (Ava) (Ava O'Neil): $80.00" in text
    assert "$10.00 was kept as credit on your account." in text
    assert "Still outstanding: $25.00" in text
    assert "https://swim.example/portal/swim/account/payments/" in text
    assert "&amp;" not in text and "&#x27;" not in text
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Splash &amp; Co" in html
    assert "O&#x27;Neil" in html
    assert "<td>Tuition – Sharks (Ava) <small>(Ava O&#x27;Neil)</small></td>" in html
    assert '<td style="text-align: right;">$80.00</td>' in html
    assert 'href="https://swim.example/portal/swim/account/payments/"' in html
    assert "Mar 9, 2026" in html


def test_receipt_without_a_request_uses_the_configured_base_url(
    org, guardian, family, settings
):
    tuition = post_charge(family, "80", "Tuition")
    payment = pay(family, guardian, "80.00", [tuition])
    settings.WAGTAILADMIN_BASE_URL = "https://portal.example"
    mail.outbox.clear()
    send_payment_receipt.call(payment_id=payment.pk)
    [message] = mail.outbox
    assert "https://portal.example/portal/swim/account/payments/" in message.body
    assert "kept as credit" not in message.body
    assert "Still outstanding: $0.00" in message.body


def test_no_receipt_for_a_payment_not_confirmed(org, guardian, family):
    from portal.billing.models import Payment

    with scopes_disabled():
        payment = Payment.objects.create(
            organization=org,
            family=family,
            amount=D("5.00"),
            idempotency_key="x",
            gateway="sandbox",
            purpose="balance",
        )
    send_payment_receipt.call(payment_id=payment.pk)
    assert mail.outbox == []


def test_refund_receipt(org, guardian, family):
    tuition = post_charge(family, "40", "Tuition")
    payment = pay(family, guardian, "50.00", [tuition])
    with scopes_disabled():
        refund = refund_post(
            family=family,
            amount=D("10.00"),
            reason="Class cancelled",
            idempotency_key="refund-1",
            payment=payment,
            now=datetime.datetime(2026, 3, 12, 3, tzinfo=datetime.UTC),
        )
    mail.outbox.clear()
    send_refund_receipt.call(refund_entry_id=refund.pk, base_url="https://swim.example")
    [message] = mail.outbox
    assert message.to == [guardian.user.email]
    assert message.subject == "Your refund from Splash & Co"
    text = message.body
    assert "Splash & Co has refunded you." in text
    assert "Refunded: $10.00 (to Visa •••• 4242)" in text
    assert "Date: Mar 11, 2026" in text
    assert "Reason: Class cancelled" in text
    assert "https://swim.example/portal/swim/account/payments/" in text
    html = message.alternatives[0][0]
    assert "Splash &amp; Co has refunded you." in html
    assert "<strong>Refunded:</strong> $10.00 (to Visa •••• 4242)" in html
    assert 'href="https://swim.example/portal/swim/account/payments/"' in html


def test_refund_receipt_ignores_other_entries(org, guardian, family):
    tuition = post_charge(family, "40", "Tuition")
    send_refund_receipt.call(refund_entry_id=tuition.pk)
    with scopes_disabled():
        assert LedgerEntry.objects.filter(kind="refund").count() == 0
    assert mail.outbox == []
