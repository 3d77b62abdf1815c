"""Stripe through the official `stripe` SDK, one StripeClient per organization.

- A card or bank account entered in Stripe's own fields arrives as a
  PaymentMethod id (`pm_...`), the one-time token here.
- `setup_method` attaches it to a Customer with a confirmed SetupIntent
  (usage off_session; cards and `us_bank_account`).
- `charge` creates and confirms a PaymentIntent: `off_session=True` with the
  customer for a stored method. The idempotency key goes both in the request
  header (a retry returns the first answer) and in the PaymentIntent's
  metadata, so `find_charge` can look the charge up with the Search API.
- Webhooks are verified with the client's `construct_event`.

The secret key is only handed to the SDK: Portico never logs it or an error
that could carry it (only the error's class and Stripe's code are logged).
Tests inject an `http_client` (stripe.HTTPClient) and never reach Stripe.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import stripe as stripe_sdk

from . import TokenError
from .base import (
    ChargeResult,
    Gateway,
    GatewayError,
    RefundResult,
    StoredMethod,
    WebhookError,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

METADATA_KEY = "portico_idempotency_key"
PAYMENT_METHOD_TYPES = ["card", "us_bank_account"]
ZERO_DECIMAL = {
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA",
    "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
}  # fmt: skip
APPROVED_STATUSES = {"succeeded", "processing"}
# Tests may set this to an http client every StripeGateway uses.
default_http_client = None


def minor_units(amount: Decimal, currency: str) -> int:
    """Stripe's integer amount: cents, or whole units for zero-decimal ones."""
    if currency.upper() in ZERO_DECIMAL:
        return int(amount.quantize(Decimal("1")))
    return int((amount * 100).quantize(Decimal("1")))


def _stored(payment_method, customer_reference="") -> StoredMethod:
    if payment_method.type == "us_bank_account":
        bank = payment_method.us_bank_account
        return StoredMethod(
            kind="bank",
            brand=(bank.bank_name or "Bank account")[:40],
            last4=bank.last4,
            token=payment_method.id,
            customer_reference=customer_reference,
        )
    card = payment_method.card
    return StoredMethod(
        kind="card",
        brand={"amex": "American Express", "mastercard": "Mastercard"}.get(
            card.brand, (card.brand or "card").title()
        ),
        last4=card.last4,
        token=payment_method.id,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        customer_reference=customer_reference,
    )


def _safe_key(key: str) -> str:
    return key.replace("'", "").replace("\\", "")


class StripeGateway(Gateway):
    name = "stripe"
    signature_header = "HTTP_STRIPE_SIGNATURE"

    def __init__(self, account, *, http_client=None, max_network_retries=2):
        super().__init__(account)
        self._http_client = http_client or default_http_client
        self._retries = max_network_retries
        self._client = None

    @property
    def client(self) -> stripe_sdk.StripeClient:
        if self._client is None:
            self._client = stripe_sdk.StripeClient(
                self.account.secret_key,
                http_client=self._http_client,
                max_network_retries=self._retries,
            )
        return self._client

    def _unknown(self, error, what):
        """An answer that leaves the outcome unknown (network, outage, keys)."""
        logger.warning(
            "Stripe %s failed: %s (%s)",
            what,
            type(error).__name__,
            getattr(error, "code", "") or "",
        )
        return GatewayError(f"Stripe {what} failed: {type(error).__name__}")

    # Stored methods --------------------------------------------------------

    def setup_method(self, *, token: str, customer_reference: str = "") -> StoredMethod:
        v1 = self.client.v1
        try:
            payment_method = v1.payment_methods.retrieve(token)
            if not customer_reference:
                customer_reference = v1.customers.create(
                    {
                        "metadata": {
                            "portico_organization": str(self.account.organization_id)
                        }
                    },
                    {"idempotency_key": f"portico-customer-{token}"},
                ).id
            params = {
                "customer": customer_reference,
                "payment_method": token,
                "payment_method_types": PAYMENT_METHOD_TYPES,
                "usage": "off_session",
                "confirm": True,
            }
            if payment_method.type == "us_bank_account":
                params["mandate_data"] = {"customer_acceptance": {"type": "offline"}}
            intent = v1.setup_intents.create(
                params, {"idempotency_key": f"portico-setup-{token}"}
            )
        except stripe_sdk.CardError as e:
            raise TokenError(f"Stripe refused the method: {e.code}") from e
        except stripe_sdk.InvalidRequestError as e:
            if getattr(e, "code", "") == "resource_missing":
                raise TokenError("Unknown Stripe payment method.") from e
            raise self._unknown(e, "setup") from e
        except stripe_sdk.StripeError as e:
            raise self._unknown(e, "setup") from e
        if intent.status not in APPROVED_STATUSES:
            raise TokenError(f"The SetupIntent needs more: {intent.status}")
        return _stored(payment_method, customer_reference)

    # Charges ---------------------------------------------------------------

    def _result(self, intent, stored: StoredMethod | None = None) -> ChargeResult:
        payment_method = getattr(intent, "payment_method", None)
        if (
            stored is None
            and payment_method is not None
            and not isinstance(payment_method, str)
        ):
            stored = _stored(payment_method)
        details = (
            {"kind": stored.kind, "brand": stored.brand, "last4": stored.last4}
            if stored
            else {}
        )
        if intent.status in APPROVED_STATUSES:
            return ChargeResult(approved=True, reference=intent.id, **details)
        error = getattr(intent, "last_payment_error", None)
        code = (
            (
                error
                and (getattr(error, "decline_code", "") or getattr(error, "code", ""))
            )
            or ("authentication_required" if intent.status == "requires_action" else "")
            or "declined"
        )
        message = (error and getattr(error, "message", "")) or ""
        return ChargeResult(
            approved=False, reference=intent.id, code=code, message=message, **details
        )

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
        params = {
            "amount": minor_units(amount, currency),
            "currency": currency.lower(),
            "confirm": True,
            "payment_method_types": PAYMENT_METHOD_TYPES,
            "metadata": {METADATA_KEY: idempotency_key},
            "expand": ["payment_method"],
        }
        if description:
            params["description"] = description[:1000]
        if method is not None:
            params.update(
                payment_method=method.token,
                customer=method.customer_reference,
                off_session=True,
            )
        else:
            params["payment_method"] = token
        try:
            intent = self.client.v1.payment_intents.create(
                params, {"idempotency_key": idempotency_key}
            )
        except stripe_sdk.CardError as e:
            error = e.error
            declined_intent = getattr(error, "payment_intent", None)
            return ChargeResult(
                approved=False,
                reference=getattr(declined_intent, "id", "") or "",
                code=(getattr(error, "decline_code", None) or e.code or "declined"),
                message=e.user_message or "",
                kind=method.kind if method else "",
                brand=method.brand if method else "",
                last4=method.last4 if method else "",
            )
        except stripe_sdk.StripeError as e:
            raise self._unknown(e, "charge") from e
        return self._result(intent, method)

    def find_charge(self, *, idempotency_key: str) -> ChargeResult | None:
        query = f"metadata['{METADATA_KEY}']:'{_safe_key(idempotency_key)}'"
        try:
            found = self.client.v1.payment_intents.search(
                {"query": query, "limit": 1, "expand": ["data.payment_method"]}
            )
        except stripe_sdk.StripeError as e:
            raise self._unknown(e, "search") from e
        if not found.data:
            return None
        return self._result(found.data[0])

    def refund(
        self, *, reference: str, amount: Decimal, idempotency_key: str
    ) -> RefundResult:
        try:
            currency = self.account.organization.currency
            refund = self.client.v1.refunds.create(
                {
                    "payment_intent": reference,
                    "amount": minor_units(amount, currency),
                    "metadata": {METADATA_KEY: idempotency_key},
                },
                {"idempotency_key": idempotency_key},
            )
        except stripe_sdk.InvalidRequestError as e:
            return RefundResult(
                approved=False,
                code=e.code or "refund_refused",
                message=str(e.user_message or ""),
            )
        except stripe_sdk.StripeError as e:
            raise self._unknown(e, "refund") from e
        approved = refund.status in {"succeeded", "pending"}
        return RefundResult(
            approved=approved,
            reference=refund.id,
            code="" if approved else (refund.failure_reason or refund.status),
        )

    # Webhooks --------------------------------------------------------------

    def parse_webhook(self, *, payload: bytes, signature: str) -> WebhookEvent:
        try:
            event = self.client.construct_event(
                payload, signature, self.account.webhook_secret
            )
        except (stripe_sdk.SignatureVerificationError, ValueError) as e:
            raise WebhookError("The Stripe signature does not match.") from e
        obj = event.data.object
        data = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
        metadata = data.get("metadata") or {}
        return WebhookEvent(
            event_id=event.id,
            event_type=event.type,
            idempotency_key=str(metadata.get(METADATA_KEY, "")),
            reference=str(data.get("payment_intent") or data.get("id") or ""),
            data=data,
        )
