"""The Stripe adapter, offline: an injected HTTP client answers with JSON
shaped like Stripe's, and records every request the SDK sends."""

import hashlib
import hmac
import json
import logging
import time
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import stripe

from portal.billing.gateways import (
    GatewayError,
    StoredMethod,
    TokenError,
    WebhookError,
    gateway_for,
)
from portal.billing.gateways import stripe as stripe_gateway
from portal.billing.gateways.stripe import StripeGateway, minor_units
from tests.factories import make_organization
from tests.factories.billing import make_gateway_account

pytestmark = pytest.mark.django_db

SECRET = "sk_test_portico_secret_51ZZZ"
WEBHOOK_SECRET = "whsec_portico_test"


class FakeStripe(stripe.HTTPClient):
    """Answers queued (status, body) pairs; keeps (method, path, headers, form)."""

    name = "fake"

    def __init__(self, *answers):
        super().__init__()
        self.answers = list(answers)
        self.requests = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        path, _sep, query = url.partition("?")
        path = path.replace("https://api.stripe.com", "")
        form = parse_qs(post_data or query or "")
        self.requests.append((method, path, dict(headers or {}), form))
        status, body = self.answers.pop(0)
        if isinstance(body, Exception):
            raise body
        return json.dumps(body), status, {"request-id": "req_1"}

    def close(self):
        pass


def card_pm(pm_id="pm_card_visa", brand="visa", last4="4242"):
    return {
        "id": pm_id,
        "object": "payment_method",
        "type": "card",
        "card": {"brand": brand, "last4": last4, "exp_month": 8, "exp_year": 2031},
    }


def bank_pm(pm_id="pm_bank"):
    return {
        "id": pm_id,
        "object": "payment_method",
        "type": "us_bank_account",
        "us_bank_account": {"bank_name": "STRIPE TEST BANK", "last4": "6789"},
    }


def intent(status="succeeded", pi_id="pi_1", payment_method=None, error=None):
    return {
        "id": pi_id,
        "object": "payment_intent",
        "status": status,
        "amount": 2500,
        "currency": "usd",
        "payment_method": payment_method or card_pm(),
        "last_payment_error": error,
        "metadata": {"portico_idempotency_key": "checkout-1"},
    }


def decline(code="card_declined", decline_code="insufficient_funds"):
    return {
        "error": {
            "type": "card_error",
            "code": code,
            "decline_code": decline_code,
            "message": "Your card has insufficient funds.",
            "payment_intent": intent("requires_payment_method", "pi_declined"),
        }
    }


@pytest.fixture
def account():
    organization = make_organization()
    return make_gateway_account(
        organization,
        provider="stripe",
        secret_key=SECRET,
        webhook_secret=WEBHOOK_SECRET,
    )


def gateway(account, *answers):
    fake = FakeStripe(*answers)
    return StripeGateway(account, http_client=fake, max_network_retries=0), fake


def test_gateway_for_builds_the_stripe_adapter(account, monkeypatch):
    fake = FakeStripe((200, intent()))
    monkeypatch.setattr(stripe_gateway, "default_http_client", fake)
    found = gateway_for(account.organization)
    assert isinstance(found, StripeGateway) and found.name == "stripe"
    found.charge(
        amount=Decimal("25"), currency="USD", idempotency_key="k", token="pm_x"
    )
    method, path, headers, _form = fake.requests[0]
    assert (method, path) == ("post", "/v1/payment_intents")
    assert headers["Authorization"] == f"Bearer {SECRET}"


def test_minor_units():
    assert minor_units(Decimal("25.10"), "USD") == 2510
    assert minor_units(Decimal("1500"), "JPY") == 1500


def test_charge_a_stored_method_off_session(account):
    gw, fake = gateway(account, (200, intent()))
    method = StoredMethod(
        kind="card", brand="Visa", last4="4242", token="pm_saved",
        customer_reference="cus_1",
    )  # fmt: skip
    result = gw.charge(
        amount=Decimal("25.00"),
        currency="USD",
        idempotency_key="checkout-1",
        method=method,
        description="Swim Level 1",
    )
    assert result.approved and result.reference == "pi_1"
    assert (result.kind, result.brand, result.last4) == ("card", "Visa", "4242")
    [(method_, path, headers, form)] = fake.requests
    assert (method_, path) == ("post", "/v1/payment_intents")
    assert headers["Idempotency-Key"] == "checkout-1"
    assert form["amount"] == ["2500"] and form["currency"] == ["usd"]
    assert form["off_session"] == ["true"] and form["confirm"] == ["true"]
    assert form["customer"] == ["cus_1"] and form["payment_method"] == ["pm_saved"]
    assert form["metadata[portico_idempotency_key]"] == ["checkout-1"]


def test_charge_a_new_token_is_not_off_session(account):
    gw, fake = gateway(account, (200, intent(payment_method=bank_pm())))
    result = gw.charge(
        amount=Decimal("25"), currency="USD", idempotency_key="k2", token="pm_new"
    )
    form = fake.requests[0][3]
    assert "off_session" not in form and form["payment_method"] == ["pm_new"]
    assert (result.kind, result.brand, result.last4) == (
        "bank",
        "STRIPE TEST BANK",
        "6789",
    )


def test_a_decline_is_an_answer_not_an_error(account):
    gw, _fake = gateway(account, (402, decline()))
    result = gw.charge(
        amount=Decimal("25"), currency="USD", idempotency_key="k3", token="pm_x"
    )
    assert not result.approved
    assert result.code == "insufficient_funds"
    assert result.reference == "pi_declined"
    assert result.message == "Your card has insufficient funds."


def test_an_intent_needing_authentication_is_declined(account):
    gw, _fake = gateway(account, (200, intent("requires_action")))
    result = gw.charge(
        amount=Decimal("25"), currency="USD", idempotency_key="k4", token="pm_x"
    )
    assert not result.approved and result.code == "authentication_required"


def test_outage_is_unknown_and_the_key_is_never_logged(account, caplog):
    answers = (
        (500, {"error": {"type": "api_error", "message": "Something went wrong."}}),
        (
            401,
            {
                "error": {
                    "type": "invalid_request_error",
                    "message": f"Invalid API Key provided: {SECRET[:8]}****",
                }
            },
        ),
    )
    gw, _fake = gateway(account, *answers)
    with caplog.at_level(logging.DEBUG):
        for key in ("k5", "k6"):
            with pytest.raises(GatewayError):
                gw.charge(
                    amount=Decimal("25"),
                    currency="USD",
                    idempotency_key=key,
                    token="pm_x",
                )
    assert "Stripe charge failed" in caplog.text
    assert SECRET not in caplog.text
    assert SECRET[-8:] not in caplog.text


def test_find_charge_searches_by_key(account):
    gw, fake = gateway(
        account,
        (200, {"object": "search_result", "data": [intent()], "has_more": False}),
        (200, {"object": "search_result", "data": [], "has_more": False}),
    )
    found = gw.find_charge(idempotency_key="checkout-1")
    assert found.approved and found.reference == "pi_1"
    method, path, _headers, form = fake.requests[0]
    assert (method, path) == ("get", "/v1/payment_intents/search")
    assert form["query"] == ["metadata['portico_idempotency_key']:'checkout-1'"]
    assert gw.find_charge(idempotency_key="never") is None


def test_setup_a_card_and_a_bank_account(account):
    gw, fake = gateway(
        account,
        (200, card_pm("pm_new")),
        (200, {"id": "cus_9", "object": "customer"}),
        (200, {"id": "seti_1", "object": "setup_intent", "status": "succeeded"}),
        (200, bank_pm("pm_bank")),
        (200, {"id": "seti_2", "object": "setup_intent", "status": "processing"}),
    )
    card = gw.setup_method(token="pm_new")
    assert card == StoredMethod(
        kind="card",
        brand="Visa",
        last4="4242",
        token="pm_new",
        exp_month=8,
        exp_year=2031,
        customer_reference="cus_9",
    )
    paths = [(r[0], r[1]) for r in fake.requests]
    assert paths == [
        ("get", "/v1/payment_methods/pm_new"),
        ("post", "/v1/customers"),
        ("post", "/v1/setup_intents"),
    ]
    setup = fake.requests[2]
    assert setup[2]["Idempotency-Key"] == "portico-setup-pm_new"
    assert setup[3]["usage"] == ["off_session"] and setup[3]["customer"] == ["cus_9"]
    assert setup[3]["payment_method_types[0]"] == ["card"]
    assert setup[3]["payment_method_types[1]"] == ["us_bank_account"]
    bank = gw.setup_method(token="pm_bank", customer_reference="cus_9")
    assert (bank.kind, bank.brand, bank.last4) == ("bank", "STRIPE TEST BANK", "6789")
    # The customer is reused; a bank account carries its mandate.
    assert [r[1] for r in fake.requests[3:]] == [
        "/v1/payment_methods/pm_bank",
        "/v1/setup_intents",
    ]
    assert fake.requests[4][3]["mandate_data[customer_acceptance][type]"] == ["offline"]


def test_setup_refused_is_a_token_error(account):
    missing = {
        "error": {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "message": "No such PaymentMethod",
        }
    }
    gw, _fake = gateway(account, (404, missing))
    with pytest.raises(TokenError):
        gw.setup_method(token="pm_gone", customer_reference="cus_1")


def test_refund(account):
    gw, fake = gateway(
        account,
        (200, {"id": "re_1", "object": "refund", "status": "succeeded"}),
        (
            400,
            {
                "error": {
                    "type": "invalid_request_error",
                    "code": "charge_already_refunded",
                    "message": "Already refunded.",
                }
            },
        ),
    )
    result = gw.refund(reference="pi_1", amount=Decimal("10"), idempotency_key="r1")
    assert result.approved and result.reference == "re_1"
    _m, path, headers, form = fake.requests[0]
    assert path == "/v1/refunds" and headers["Idempotency-Key"] == "r1"
    assert form["payment_intent"] == ["pi_1"] and form["amount"] == ["1000"]
    again = gw.refund(reference="pi_1", amount=Decimal("10"), idempotency_key="r2")
    assert not again.approved and again.code == "charge_already_refunded"


def signed(payload: bytes, secret=WEBHOOK_SECRET, at=None):
    at = at or int(time.time())
    signature = hmac.new(
        secret.encode(), f"{at}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    return f"t={at},v1={signature}"


EVENT = {
    "id": "evt_1",
    "object": "event",
    "type": "payment_intent.succeeded",
    "data": {"object": intent(payment_method="pm_x")},
}


def test_webhook_signature(account):
    gw, _fake = gateway(account)
    payload = json.dumps(EVENT).encode()
    event = gw.parse_webhook(payload=payload, signature=signed(payload))
    assert (event.event_id, event.event_type) == ("evt_1", "payment_intent.succeeded")
    assert event.idempotency_key == "checkout-1" and event.reference == "pi_1"
    for bad in (signed(payload, secret="whsec_other"), "", "t=1,v1=00"):
        with pytest.raises(WebhookError):
            gw.parse_webhook(payload=payload, signature=bad)
    old = signed(payload, at=int(time.time()) - 3600)
    with pytest.raises(WebhookError):
        gw.parse_webhook(payload=payload, signature=old)


def test_webhook_view_with_stripe(client, account):
    payload = json.dumps(EVENT).encode()
    url = f"/gateway/stripe/webhook/{account.organization.slug}/"
    for _ in range(2):
        response = client.post(
            url,
            payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signed(payload),
        )
        assert response.status_code == 200
    from portal.billing.models import WebhookEvent

    assert WebhookEvent.objects.filter(gateway="stripe", event_id="evt_1").count() == 1
    bad = client.post(
        url, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE="x"
    )
    assert bad.status_code == 400
    # The sandbox's address for a Stripe organization does not exist.
    assert (
        client.post(
            f"/gateway/sandbox/webhook/{account.organization.slug}/",
            payload,
            content_type="application/json",
        ).status_code
        == 404
    )
