"""Front desk factories: staff of a given role, and a card payment taken
through the sandbox gateway (a real gateway charge, so it can be refunded)."""

import itertools
from decimal import Decimal

from django_scopes import scopes_disabled

from portal.billing.gateways import gateway_for
from portal.billing.methods import as_stored
from portal.billing.models import Payment, PaymentPurpose, PaymentStatus
from portal.billing.services import charge_post, payment_post
from portal.tenancy.services import staff_membership_create

from . import UserFactory
from .billing import make_gateway_account, make_payment_method

_counter = itertools.count(1)


def make_role_staff(organization, role, **user_fields):
    """A staff member of `organization` with `role` (manager, front_desk,
    marketing)."""
    user = UserFactory(**user_fields)
    staff_membership_create(organization=organization, user=user, role=role)
    return user


def make_charge(family, amount, description="Swim lessons", **fields):
    with scopes_disabled():
        return charge_post(
            family=family,
            amount=Decimal(amount),
            description=description,
            idempotency_key=f"test-charge-{next(_counter)}",
            **fields,
        )


def make_card_payment(family, amount, *, method=None, charges=None, location=None):
    """A card payment of `amount` charged through the organization's sandbox
    gateway (made if missing) and posted to the ledger, applied to `charges`
    (None: the oldest open charges)."""
    organization = family.organization
    with scopes_disabled():
        if gateway_for(organization) is None:
            make_gateway_account(organization)
        guardian = family.guardians.get(is_primary=True)
        method = method or make_payment_method(guardian)
        key = f"test-card-payment-{next(_counter)}"
        result = gateway_for(organization).charge(
            amount=Decimal(amount),
            currency=organization.currency,
            idempotency_key=key,
            method=as_stored(method),
        )
        assert result.approved
        payment = Payment.objects.create(
            organization=organization,
            family=family,
            guardian=guardian,
            location=location,
            amount=Decimal(amount),
            status=PaymentStatus.CONFIRMED,
            idempotency_key=key,
            gateway="sandbox",
            gateway_reference=result.reference,
            method=method,
            method_kind=method.kind,
            brand=method.brand,
            last4=method.last4,
            purpose=PaymentPurpose.BALANCE,
        )
        payment_post(payment=payment, charges=charges)
    return payment
