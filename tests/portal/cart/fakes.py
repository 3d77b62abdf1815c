"""A fake gateway for checkout tests: approves at once, or declines, or
loses its answer, as a test tells it. Shared by threads (race tests)."""

import threading
from decimal import Decimal

from django.db import connection

from portal.billing.gateways.base import (
    ChargeResult,
    Gateway,
    GatewayError,
    RefundResult,
    StoredMethod,
)

DECLINES = {
    "tok_declined": ("card_declined", "Your card was declined."),
    "tok_nsf": ("insufficient_funds", "Your card has insufficient funds."),
}


class FakeGateway(Gateway):
    name = "sandbox"
    lock = threading.Lock()
    charges: dict = {}  # idempotency key -> ChargeResult
    calls: list = []  # (key, amount) of every charge call
    refunds: list = []  # (reference, amount, key)
    # Whether the calling thread had a transaction open (and so possibly a
    # row lock) at each charge: checkout must never call the gateway so.
    in_transaction: list = []
    # Test controls.
    timeout_after_approval = 0  # the next N charges approve, then raise
    timeout_before = 0  # the next N charges raise before charging
    find_unknown = False  # find_charge raises too

    @classmethod
    def reset(cls):
        cls.charges, cls.calls, cls.refunds = {}, [], []
        cls.in_transaction = []
        cls.timeout_after_approval = cls.timeout_before = 0
        cls.find_unknown = False

    def setup_method(self, *, token, customer_reference=""):
        return StoredMethod(kind="card", brand="Visa", last4="4242", token=f"m_{token}")

    def charge(
        self,
        *,
        amount,
        currency,
        idempotency_key,
        token="",
        method=None,
        description="",
    ):
        source = method.token.removeprefix("m_") if method else token
        opened = connection.in_atomic_block
        with self.lock:
            self.in_transaction.append(opened)
            self.calls.append((idempotency_key, Decimal(amount)))
            if type(self).timeout_before:
                type(self).timeout_before -= 1
                raise GatewayError("timeout")
            if idempotency_key in self.charges:
                return self.charges[idempotency_key]
            if source in DECLINES:
                code, message = DECLINES[source]
                result = ChargeResult(approved=False, code=code, message=message)
            else:
                result = ChargeResult(
                    approved=True,
                    reference=f"ch_{len(self.charges) + 1}",
                    kind="card",
                    brand="Visa",
                    last4="4242",
                )
            self.charges[idempotency_key] = result
            if result.approved and type(self).timeout_after_approval:
                type(self).timeout_after_approval -= 1
                raise GatewayError("timeout after approval")
            return result

    def find_charge(self, *, idempotency_key):
        if self.find_unknown:
            raise GatewayError("still down")
        with self.lock:
            return self.charges.get(idempotency_key)

    def refund(self, *, reference, amount, idempotency_key):
        with self.lock:
            self.refunds.append((reference, Decimal(amount), idempotency_key))
        return RefundResult(approved=True, reference=f"re_{reference}")

    def parse_webhook(self, *, payload, signature):
        raise NotImplementedError


def use_fake_gateway(monkeypatch, organization):
    """Every gateway_for() answers the fake gateway (and the organization
    gets a GatewayAccount, so pages say online payment is accepted)."""
    from portal.billing import gateways, methods
    from tests.factories.billing import make_gateway_account

    account = make_gateway_account(organization)
    FakeGateway.reset()

    def fake_for(org):
        return FakeGateway(account)

    monkeypatch.setattr(gateways, "gateway_for", fake_for)
    monkeypatch.setattr(methods, "gateway_for", fake_for, raising=False)
    return FakeGateway


class nothing_written:
    """Asserts that the block (even one that raises) enrolled, posted and
    answered nothing for the family."""

    def __init__(self, family):
        self.family = family

    def _counts(self):
        from django_scopes import scopes_disabled

        from portal.billing.models import Allocation, LedgerEntry
        from portal.enrollments.models import Enrollment
        from portal.families.models import PolicyAnswer

        with scopes_disabled():
            return (
                Enrollment.objects.filter(student__family=self.family).count(),
                LedgerEntry.objects.filter(family=self.family).count(),
                Allocation.objects.filter(charge__family=self.family).count(),
                PolicyAnswer.objects.filter(family=self.family).count(),
            )

    def __enter__(self):
        self.before = self._counts()
        return self

    def __exit__(self, *exc):
        assert self._counts() == self.before
        return False
