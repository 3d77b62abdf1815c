"""Billing factories: an organization's gateway account, a guardian's stored
payment method. Rows are written directly (no gateway call) so any test can
set up a stored card or bank account in one line."""

import itertools

from django_scopes import scopes_disabled

from portal.billing.models import GatewayAccount, PaymentMethod

_counter = itertools.count(1)


def make_gateway_account(organization, provider="sandbox", **fields):
    """The organization's gateway (replacing any it had)."""
    with scopes_disabled():
        account, _created = GatewayAccount.objects.update_or_create(
            organization=organization, defaults={"provider": provider, **fields}
        )
    organization.__dict__["_gateway_account"] = account  # gateway_for's memo
    return account


def make_payment_method(
    guardian,
    *,
    kind="card",
    brand="Visa",
    last4="4242",
    is_default=False,
    recurring_authorized=False,
    token=None,
    gateway="sandbox",
    exp_month=None,
    exp_year=None,
):
    """A stored card (expiring 12/2099 unless told) or bank account of
    `guardian`. Making it the default clears the guardian's other default."""
    n = next(_counter)
    if kind == "card":
        exp_month = exp_month or 12
        exp_year = exp_year or 2099
    with scopes_disabled():
        if is_default:
            PaymentMethod.objects.filter(guardian=guardian, is_default=True).update(
                is_default=False
            )
        return PaymentMethod.objects.create(
            organization_id=guardian.organization_id,
            guardian=guardian,
            kind=kind,
            brand=brand,
            last4=last4,
            exp_month=exp_month,
            exp_year=exp_year,
            gateway=gateway,
            token=token or f"{gateway}_method_{n}",
            is_default=is_default,
            recurring_authorized=recurring_authorized,
        )
