"""Ledger history for statement tests, posted through the real services:
charges, confirmed payments (with their allocations), refunds, credits."""

import itertools
from decimal import Decimal

from django_scopes import scopes_disabled

from portal.billing.models import Payment, PaymentStatus
from portal.billing.services import (
    charge_post,
    credit_post,
    payment_post,
    refund_post,
)

_keys = itertools.count(1)


def _key(prefix):
    return f"{prefix}-test-{next(_keys)}"


def post_charge(family, amount, description, *, location=None, student=None, **kw):
    with scopes_disabled():
        return charge_post(
            family=family,
            amount=Decimal(amount),
            description=description,
            idempotency_key=_key("charge"),
            location=location,
            student=student,
            **kw,
        )


def post_payment(
    family, amount, *, charges=None, location=None, now=None, brand="Visa"
):
    """A confirmed card payment applied to `charges` (None: oldest open first)."""
    with scopes_disabled():
        payment = Payment.objects.create(
            organization_id=family.organization_id,
            family=family,
            location=location,
            amount=Decimal(amount),
            status=PaymentStatus.CONFIRMED,
            idempotency_key=_key("payment"),
            gateway="sandbox",
            brand=brand,
            last4="4242",
            purpose="balance",
        )
        entry = payment_post(payment=payment, charges=charges, now=now)
    return entry


def post_refund(family, amount, *, payment_entry=None, location=None, now=None):
    with scopes_disabled():
        return refund_post(
            family=family,
            amount=Decimal(amount),
            reason="Class cancelled",
            idempotency_key=_key("refund"),
            payment=payment_entry.payment if payment_entry else None,
            location=location,
            now=now,
        )


def post_credit(family, amount, *, location=None, now=None, apply=False):
    with scopes_disabled():
        return credit_post(
            family=family,
            amount=Decimal(amount),
            reason="Goodwill",
            idempotency_key=_key("credit"),
            location=location,
            apply=apply,
            now=now,
        )
