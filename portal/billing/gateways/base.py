"""The one interface every payment gateway implements.

Portico never sees a card or bank account number: the family types it into
a page served by the gateway (an iframe), and the gateway hands Portico a
one-time token. `setup_method` turns that token into a reusable stored
method; `charge` takes money from a token or a stored method. Every call
that moves money carries an idempotency key, so a retry never charges
twice, and `find_charge` answers what happened to a key when a call's
outcome was lost (a timeout, a crash).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal


class GatewayError(Exception):
    """The gateway could not be reached or answered nonsense: the outcome
    of the call is unknown and must be looked up by idempotency key."""


class WebhookError(Exception):
    """A webhook whose signature or payload is not valid."""


@dataclass(frozen=True)
class StoredMethod:
    """What Portico may keep of a card or bank account."""

    kind: str  # "card" or "bank" (billing.models.MethodKind)
    brand: str  # "Visa", "Mastercard", "STRIPE TEST BANK" ...
    last4: str
    token: str  # the gateway's reusable reference
    exp_month: int | None = None
    exp_year: int | None = None
    customer_reference: str = ""


@dataclass(frozen=True)
class ChargeResult:
    approved: bool
    reference: str = ""  # the gateway's id of the charge
    code: str = ""  # "card_declined", "insufficient_funds" ...
    message: str = ""  # the family-facing reason of a decline
    kind: str = ""
    brand: str = ""
    last4: str = ""


@dataclass(frozen=True)
class RefundResult:
    approved: bool
    reference: str = ""
    code: str = ""
    message: str = ""


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    event_type: str
    idempotency_key: str = ""
    reference: str = ""
    data: dict = field(default_factory=dict)


class Gateway(ABC):
    name: str = ""

    def __init__(self, account):
        # billing.models.GatewayAccount: the organization's keys.
        self.account = account

    @abstractmethod
    def setup_method(self, *, token: str, customer_reference: str = "") -> StoredMethod:
        """A reusable stored method from a one-time entry token."""

    @abstractmethod
    def charge(
        self,
        *,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
        token: str = "",
        method: StoredMethod | None = None,
        description: str = "",
    ) -> ChargeResult:
        """Take `amount` from a one-time token or a stored method. Raises
        GatewayError when the outcome is unknown."""

    @abstractmethod
    def find_charge(self, *, idempotency_key: str) -> ChargeResult | None:
        """The outcome of an earlier charge with this key, None if none."""

    @abstractmethod
    def refund(
        self, *, reference: str, amount: Decimal, idempotency_key: str
    ) -> RefundResult:
        """Give back all or part of a charge (also used to void one)."""

    @abstractmethod
    def parse_webhook(self, *, payload: bytes, signature: str) -> WebhookEvent:
        """Verify a webhook's signature and return its event; raises
        WebhookError when the signature does not match."""
