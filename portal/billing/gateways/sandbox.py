"""The built-in sandbox gateway: behaves like a real one, with test numbers.

Families type a card or bank account into the sandbox's own entry page
(portal/billing/views.py `sandbox_entry`, shown in an iframe); it checks the
numbers and issues a one-time token. Only a SandboxToken row is kept: the
outcome the number stands for, its kind, brand, last four digits and expiry.

Test numbers (any future expiry, any 3-digit CVC):

    card 4242 4242 4242 4242          approved
    card 4000 0000 0000 0002          declined ("card_declined")
    card 4000 0000 0000 9995          declined ("insufficient_funds")
    bank 110000000 / 000123456789     approved
    bank 110000000 / 000111111116     declined ("account_closed")

A one-time token is used once: by `charge(token=...)` or by `setup_method`,
which issues a reusable token for the stored method. Declines happen when
money is taken, so a declining card can be saved and then declines. A stored
method the sandbox did not issue (demo rows, test factories) behaves as its
last four digits say: 0002 and 9995 decline as above, a bank account ending
1116 declines, anything else is approved.

Charges and refunds are kept by idempotency key (SandboxCharge): the same key
again returns the first outcome.

Tests can make the gateway fail like a network would:

    with sandbox.simulate_timeout():            # approved, then no answer
        gateway.charge(...)   # raises GatewayError; find_charge -> approved
    with sandbox.simulate_timeout(after_approval=False):   # never arrived
        gateway.charge(...)   # raises GatewayError; find_charge -> None

The switch is module-level, so it also reaches a live server's thread.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import secrets
import string
from contextlib import contextmanager
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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

TEST_CARDS = {
    "4242424242424242": "approve",
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
}
TEST_ROUTING = "110000000"
TEST_ACCOUNTS = {
    "000123456789": "approve",
    "000111111116": "account_closed",
}
BANK_NAME = "Sandbox Test Bank"
DECLINE_MESSAGES = {
    "card_declined": _("Your card was declined."),
    "insufficient_funds": _("Your card has insufficient funds."),
    "account_closed": _("The bank declined this payment: the account is closed."),
    "invalid_token": _(
        "Those payment details are no longer valid. Enter the card or bank "
        "account again."
    ),
    "invalid_amount": _("The amount must be above zero."),
}
# A stored method the sandbox did not issue declines by its last four digits.
LAST4_OUTCOMES = {
    ("card", "0002"): "card_declined",
    ("card", "9995"): "insufficient_funds",
    ("bank", "1116"): "account_closed",
}
TOKEN_LIFETIME = datetime.timedelta(hours=1)

_failures = {"timeouts": 0, "after_approval": True}


@contextmanager
def simulate_timeout(*, after_approval: bool = True, times: int = 1):
    """The next `times` charges raise GatewayError: after the sandbox approved
    and recorded them (the answer was lost) or before it saw them."""
    _failures.update(timeouts=times, after_approval=after_approval)
    try:
        yield
    finally:
        _failures.update(timeouts=0, after_approval=True)


def _take_timeout() -> bool:
    if _failures["timeouts"] > 0:
        _failures["timeouts"] -= 1
        return True
    return False


def random_id(prefix: str) -> str:
    """Letters only: an id can never look like a card or account number."""
    letters = string.ascii_lowercase
    return prefix + "".join(secrets.choice(letters) for _ in range(28))


# Checking what a family typed (the entry page's form uses these) -----------


def digits_only(value: str) -> str:
    return "".join(ch for ch in value if not ch.isspace() and ch != "-")


def luhn_valid(number: str) -> bool:
    if not number.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "Mastercard"
    if number[:2] in {"34", "37"}:
        return "American Express"
    if number.startswith("6011") or number.startswith("65"):
        return "Discover"
    return "Card"


def routing_valid(routing: str) -> bool:
    """A US ABA routing number: nine digits with its checksum."""
    if len(routing) != 9 or not routing.isdigit():
        return False
    d = [int(c) for c in routing]
    total = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]
    return total % 10 == 0


def issue_token(
    *,
    organization,
    outcome: str,
    kind: str,
    brand: str,
    last4: str,
    exp_month: int | None = None,
    exp_year: int | None = None,
    reusable: bool = False,
    now=None,
):
    from portal.billing.models import SandboxToken

    return SandboxToken.objects.create(
        organization=organization,
        token=random_id("sandbox_pm_" if reusable else "sandbox_tok_"),
        reusable=reusable,
        outcome=outcome,
        kind=kind,
        brand=brand,
        last4=last4,
        exp_month=exp_month,
        exp_year=exp_year,
        created_at=now or timezone.now(),
    )


# The gateway ---------------------------------------------------------------


def _charge_result(row) -> ChargeResult:
    return ChargeResult(
        approved=row.approved,
        reference=row.reference,
        code=row.code,
        message=row.message,
        kind=row.kind,
        brand=row.brand,
        last4=row.last4,
    )


class SandboxGateway(Gateway):
    name = "sandbox"
    # request.META key of the webhook signature.
    signature_header = "HTTP_PORTICO_SANDBOX_SIGNATURE"

    @property
    def organization_id(self):
        return self.account.organization_id

    def _use_token(self, token: str, now):
        """The one-time token's row, marked used; TokenError if it cannot be."""
        from portal.billing.models import SandboxToken

        fresh = now - TOKEN_LIFETIME
        claimed = SandboxToken.objects.filter(
            organization_id=self.organization_id,
            token=token,
            reusable=False,
            used_at__isnull=True,
            created_at__gt=fresh,
        ).update(used_at=now)
        if claimed != 1:
            raise TokenError("Unknown, used or expired sandbox token.")
        return SandboxToken.objects.get(
            organization_id=self.organization_id, token=token
        )

    def _stored_outcome(self, method: StoredMethod) -> str:
        from portal.billing.models import SandboxToken

        row = SandboxToken.objects.filter(
            organization_id=self.organization_id, token=method.token, reusable=True
        ).first()
        if row is not None:
            return row.outcome
        return LAST4_OUTCOMES.get((method.kind, method.last4), "approve")

    def setup_method(self, *, token: str, customer_reference: str = "") -> StoredMethod:
        now = timezone.now()
        with transaction.atomic():
            entered = self._use_token(token, now)
            stored = issue_token(
                organization=entered.organization,
                outcome=entered.outcome,
                kind=entered.kind,
                brand=entered.brand,
                last4=entered.last4,
                exp_month=entered.exp_month,
                exp_year=entered.exp_year,
                reusable=True,
                now=now,
            )
        return StoredMethod(
            kind=stored.kind,
            brand=stored.brand,
            last4=stored.last4,
            token=stored.token,
            exp_month=stored.exp_month,
            exp_year=stored.exp_year,
            customer_reference=customer_reference,
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
        from portal.billing.models import SandboxCharge

        earlier = self.find_charge(idempotency_key=idempotency_key)
        if earlier is not None:
            return earlier
        timeout = _take_timeout()
        if timeout and not _failures["after_approval"]:
            raise GatewayError("The sandbox gateway did not answer.")
        now = timezone.now()
        row = SandboxCharge(
            organization_id=self.organization_id,
            idempotency_key=idempotency_key,
            reference=random_id("sandbox_ch_"),
            amount=amount,
            currency=currency,
            created_at=now,
        )
        try:
            with transaction.atomic():
                if method is not None:
                    outcome = self._stored_outcome(method)
                    row.kind, row.brand, row.last4 = (
                        method.kind,
                        method.brand,
                        method.last4,
                    )
                else:
                    try:
                        entered = self._use_token(token, now)
                    except TokenError:
                        outcome = "invalid_token"
                    else:
                        outcome = entered.outcome
                        row.kind, row.brand, row.last4 = (
                            entered.kind,
                            entered.brand,
                            entered.last4,
                        )
                if amount is None or amount <= 0:
                    outcome = "invalid_amount"
                row.approved = outcome == "approve"
                if not row.approved:
                    row.code = outcome
                    row.message = str(DECLINE_MESSAGES[outcome])
                row.save()
        except IntegrityError:
            # The same key arrived twice at once: the first one's outcome.
            earlier = self.find_charge(idempotency_key=idempotency_key)
            if earlier is None:
                raise
            return earlier
        if timeout:
            raise GatewayError("The sandbox gateway's answer was lost.")
        return _charge_result(row)

    def find_charge(self, *, idempotency_key: str) -> ChargeResult | None:
        from portal.billing.models import SandboxCharge

        row = SandboxCharge.objects.filter(
            organization_id=self.organization_id,
            idempotency_key=idempotency_key,
            operation="charge",
        ).first()
        return _charge_result(row) if row else None

    def refund(
        self, *, reference: str, amount: Decimal, idempotency_key: str
    ) -> RefundResult:
        from django.db.models import Sum

        from portal.billing.models import SandboxCharge

        rows = SandboxCharge.objects.filter(organization_id=self.organization_id)
        earlier = rows.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            if earlier.operation != "refund":
                raise GatewayError("That idempotency key belongs to a charge.")
            return RefundResult(
                approved=earlier.approved,
                reference=earlier.reference,
                code=earlier.code,
                message=earlier.message,
            )
        with transaction.atomic():
            charge = (
                rows.select_for_update()
                .filter(reference=reference, operation="charge", approved=True)
                .first()
            )
            if charge is None:
                return RefundResult(
                    approved=False, code="no_such_charge", message="No such charge."
                )
            refunded = rows.filter(
                refunds=charge, operation="refund", approved=True
            ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
            approved = Decimal("0") < amount <= charge.amount - refunded
            row = SandboxCharge.objects.create(
                organization_id=self.organization_id,
                idempotency_key=idempotency_key,
                reference=random_id("sandbox_re_"),
                operation="refund",
                refunds=charge,
                amount=amount,
                currency=charge.currency,
                approved=approved,
                code="" if approved else "amount_too_large",
                message="" if approved else "More than the charge has left.",
            )
        return RefundResult(
            approved=row.approved,
            reference=row.reference,
            code=row.code,
            message=row.message,
        )

    # Webhooks: a JSON body signed with HMAC-SHA256 of the webhook secret.

    def _webhook_secret(self) -> bytes:
        return (self.account.webhook_secret or "sandbox").encode()

    def sign(self, payload: bytes) -> str:
        return hmac.new(self._webhook_secret(), payload, hashlib.sha256).hexdigest()

    def parse_webhook(self, *, payload: bytes, signature: str) -> WebhookEvent:
        if not hmac.compare_digest(self.sign(payload), signature or ""):
            raise WebhookError("The signature does not match.")
        try:
            body = json.loads(payload)
            data = body.get("data") or {}
            return WebhookEvent(
                event_id=str(body["id"]),
                event_type=str(body["type"]),
                idempotency_key=str(data.get("idempotency_key", "")),
                reference=str(data.get("reference", "")),
                data=data,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise WebhookError("The payload is not a sandbox event.") from e
