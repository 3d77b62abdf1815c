"""The sandbox gateway: test numbers, one-time tokens, idempotency keys."""

import json
from decimal import Decimal

import pytest

from portal.billing.gateways import (
    GatewayError,
    StoredMethod,
    TokenError,
    WebhookError,
    gateway_for,
    sandbox,
)
from portal.billing.gateways.sandbox import SandboxGateway, issue_token
from portal.billing.models import SandboxCharge
from tests.factories import make_organization
from tests.factories.billing import make_gateway_account

pytestmark = pytest.mark.django_db

CARD_OUTCOMES = {
    "4242424242424242": "approve",
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
}


@pytest.fixture
def org():
    return make_organization()


@pytest.fixture
def gateway(org):
    make_gateway_account(org)
    return gateway_for(org)


def entered(org, outcome="approve", kind="card", last4="4242"):
    brand = "Visa" if kind == "card" else sandbox.BANK_NAME
    exp = {"exp_month": 12, "exp_year": 2099} if kind == "card" else {}
    return issue_token(
        organization=org, outcome=outcome, kind=kind, brand=brand, last4=last4, **exp
    ).token


def test_gateway_for(org):
    assert gateway_for(org) is None
    make_gateway_account(org, provider="")
    assert gateway_for(org) is None
    make_gateway_account(org, provider="sandbox")
    assert isinstance(gateway_for(org), SandboxGateway)
    assert gateway_for(org).name == "sandbox"


def test_luhn_and_brands():
    for number in CARD_OUTCOMES:
        assert sandbox.luhn_valid(number)
    assert not sandbox.luhn_valid("4242424242424241")
    assert not sandbox.luhn_valid("4242x")
    assert sandbox.card_brand("4242424242424242") == "Visa"
    assert sandbox.card_brand("5555555555554444") == "Mastercard"
    assert sandbox.card_brand("378282246310005") == "American Express"
    assert sandbox.routing_valid("110000000")
    assert not sandbox.routing_valid("110000001")


@pytest.mark.parametrize(
    ("outcome", "approved", "code"),
    [
        ("approve", True, ""),
        ("card_declined", False, "card_declined"),
        ("insufficient_funds", False, "insufficient_funds"),
    ],
)
def test_charge_a_token_per_test_number(org, gateway, outcome, approved, code):
    result = gateway.charge(
        amount=Decimal("25.00"),
        currency="USD",
        idempotency_key="k1",
        token=entered(org, outcome),
    )
    assert result.approved is approved
    assert result.code == code
    assert (result.brand, result.last4, result.kind) == ("Visa", "4242", "card")
    if not approved:
        assert result.message
    assert result.reference.startswith("sandbox_ch_")


def test_bank_outcomes(org, gateway):
    ok = gateway.charge(
        amount=Decimal("10"),
        currency="USD",
        idempotency_key="b1",
        token=entered(org, kind="bank", last4="6789"),
    )
    assert ok.approved and ok.kind == "bank" and ok.brand == sandbox.BANK_NAME
    closed = gateway.charge(
        amount=Decimal("10"),
        currency="USD",
        idempotency_key="b2",
        token=entered(org, "account_closed", kind="bank", last4="1116"),
    )
    assert not closed.approved and closed.code == "account_closed"


def test_a_token_is_used_once(org, gateway):
    token = entered(org)
    first = gateway.charge(
        amount=Decimal("5"), currency="USD", idempotency_key="a", token=token
    )
    again = gateway.charge(
        amount=Decimal("5"), currency="USD", idempotency_key="b", token=token
    )
    assert first.approved
    assert not again.approved and again.code == "invalid_token"
    with pytest.raises(TokenError):
        gateway.setup_method(token=token)


def test_a_token_of_another_organization_is_refused(org, gateway):
    other = make_organization()
    token = entered(other)
    result = gateway.charge(
        amount=Decimal("5"), currency="USD", idempotency_key="x", token=token
    )
    assert result.code == "invalid_token"
    with pytest.raises(TokenError):
        gateway.setup_method(token=token)


def test_the_same_key_returns_the_first_outcome(org, gateway):
    first = gateway.charge(
        amount=Decimal("5"), currency="USD", idempotency_key="same", token=entered(org)
    )
    # A different (declining) token with the same key changes nothing.
    again = gateway.charge(
        amount=Decimal("9"),
        currency="USD",
        idempotency_key="same",
        token=entered(org, "card_declined"),
    )
    assert again == first
    assert SandboxCharge.objects.filter(idempotency_key="same").count() == 1
    assert gateway.find_charge(idempotency_key="same") == first
    assert gateway.find_charge(idempotency_key="never") is None


def test_keys_are_per_organization(org, gateway):
    other = make_organization()
    make_gateway_account(other)
    gateway.charge(
        amount=Decimal("5"), currency="USD", idempotency_key="k", token=entered(org)
    )
    assert gateway_for(other).find_charge(idempotency_key="k") is None


def test_setup_then_charge_the_stored_method(org, gateway):
    stored = gateway.setup_method(
        token=entered(org, "insufficient_funds"), customer_reference="c1"
    )
    assert stored.token.startswith("sandbox_pm_")
    assert (stored.brand, stored.last4, stored.exp_month, stored.exp_year) == (
        "Visa",
        "4242",
        12,
        2099,
    )
    assert stored.customer_reference == "c1"
    # Reusable: two charges with it.
    for key in ("s1", "s2"):
        result = gateway.charge(
            amount=Decimal("5"), currency="USD", idempotency_key=key, method=stored
        )
        assert result.code == "insufficient_funds"


def test_stored_methods_not_issued_by_the_sandbox_follow_their_last4(gateway):
    def charge(kind, last4, key):
        method = StoredMethod(kind=kind, brand="X", last4=last4, token=f"t-{key}")
        return gateway.charge(
            amount=Decimal("5"), currency="USD", idempotency_key=key, method=method
        )

    assert charge("card", "4242", "1").approved
    assert charge("card", "0002", "2").code == "card_declined"
    assert charge("card", "9995", "3").code == "insufficient_funds"
    assert charge("bank", "6789", "4").approved
    assert charge("bank", "1116", "5").code == "account_closed"


def test_timeout_after_approval_is_found_by_key(org, gateway):
    with sandbox.simulate_timeout(), pytest.raises(GatewayError):
        gateway.charge(
            amount=Decimal("5"),
            currency="USD",
            idempotency_key="lost",
            token=entered(org),
        )
    found = gateway.find_charge(idempotency_key="lost")
    assert found.approved
    # Retrying the same key returns that approval, without charging again.
    assert (
        gateway.charge(
            amount=Decimal("5"), currency="USD", idempotency_key="lost", token="gone"
        )
        == found
    )
    refund = gateway.refund(
        reference=found.reference, amount=Decimal("5"), idempotency_key="void-lost"
    )
    assert refund.approved


def test_timeout_before_the_gateway_saw_it(org, gateway):
    token = entered(org)
    with sandbox.simulate_timeout(after_approval=False), pytest.raises(GatewayError):
        gateway.charge(
            amount=Decimal("5"), currency="USD", idempotency_key="never", token=token
        )
    assert gateway.find_charge(idempotency_key="never") is None
    # Only the next charge fails.
    assert gateway.charge(
        amount=Decimal("5"), currency="USD", idempotency_key="next", token=token
    ).approved


def test_refunds(org, gateway):
    charge = gateway.charge(
        amount=Decimal("30"), currency="USD", idempotency_key="c", token=entered(org)
    )
    part = gateway.refund(
        reference=charge.reference, amount=Decimal("20"), idempotency_key="r1"
    )
    assert part.approved
    assert (
        gateway.refund(
            reference=charge.reference, amount=Decimal("20"), idempotency_key="r1"
        )
        == part
    )
    too_much = gateway.refund(
        reference=charge.reference, amount=Decimal("10.01"), idempotency_key="r2"
    )
    assert not too_much.approved and too_much.code == "amount_too_large"
    assert gateway.refund(
        reference=charge.reference, amount=Decimal("10"), idempotency_key="r3"
    ).approved
    assert (
        gateway.refund(reference="nope", amount=Decimal("1"), idempotency_key="r4").code
        == "no_such_charge"
    )


def test_ids_never_look_like_numbers(org, gateway):
    token = entered(org)
    stored = gateway.setup_method(token=entered(org))
    charge = gateway.charge(
        amount=Decimal("5"), currency="USD", idempotency_key="n", token=token
    )
    for value in (token, stored.token, charge.reference):
        assert not any(ch.isdigit() for ch in value)


def test_webhook_signature(org, gateway):
    payload = json.dumps(
        {"id": "evt_1", "type": "charge.succeeded", "data": {"reference": "r"}}
    ).encode()
    event = gateway.parse_webhook(payload=payload, signature=gateway.sign(payload))
    assert (event.event_id, event.event_type, event.reference) == (
        "evt_1",
        "charge.succeeded",
        "r",
    )
    with pytest.raises(WebhookError):
        gateway.parse_webhook(payload=payload, signature="0" * 64)
    with pytest.raises(WebhookError):
        gateway.parse_webhook(payload=b"[]", signature=gateway.sign(b"[]"))
