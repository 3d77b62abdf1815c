"""Payment gateways behind one interface (base.py).

`gateway_for(organization)` answers the organization's gateway, or None
when it takes no online payments. The built-in sandbox (sandbox.py) is the
default for the demo and tests; Stripe (stripe.py) is the real one.
"""

from __future__ import annotations

from .base import (
    ChargeResult,
    Gateway,
    GatewayError,
    RefundResult,
    StoredMethod,
    WebhookError,
    WebhookEvent,
)

__all__ = [
    "ChargeResult",
    "Gateway",
    "GatewayError",
    "RefundResult",
    "StoredMethod",
    "TokenError",
    "WebhookError",
    "WebhookEvent",
    "gateway_class",
    "gateway_for",
]


class TokenError(GatewayError):
    """A one-time entry token that is unknown, used already or expired: the
    family enters the card or bank account again. (Nothing was charged.)"""


def gateway_class(provider: str) -> type[Gateway] | None:
    if provider == "sandbox":
        from .sandbox import SandboxGateway

        return SandboxGateway
    if provider == "stripe":
        from .stripe import StripeGateway

        return StripeGateway
    return None


def gateway_for(organization) -> Gateway | None:
    """The organization's gateway; None without a GatewayAccount or provider."""
    from portal.billing.models import GatewayAccount

    # A page asks several times (checkout: the page, the methods, the
    # payment); the account is read once per organization object, and the
    # tenant middleware loads the organization afresh for every request.
    try:
        account = organization.__dict__["_gateway_account"]
    except KeyError:
        if type(organization).gateway.is_cached(organization):
            # Loaded with the organization (tenancy.selectors).
            account = getattr(organization, "gateway", None)
        else:
            account = GatewayAccount.objects.filter(organization=organization).first()
        organization.__dict__["_gateway_account"] = account
    if account is None or not account.provider:
        return None
    cls = gateway_class(account.provider)
    return cls(account) if cls else None
