"""Background work of the checkout: the confirmation e-mail, and settling
payments whose outcome was not known when the family checked out.

Arguments are ids (they are stored with the queued task); each task loads
its organization and opens its tenant scope.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled
from django_tasks import task

logger = logging.getLogger(__name__)

# A pending Payment younger than this is probably still being checked out.
SETTLE_AFTER_MINUTES = 15


def _recipient(payment):
    from portal.billing.receipts import receipt_recipient

    return receipt_recipient(
        payment.family, payment.guardian if payment.guardian_id else None
    )


def confirmation_context(*, payment, receipt):
    """Plain strings for the confirmation e-mail's templates."""
    from portal.enrollments.selectors import waitlist_position
    from portal.formatting import format_date, format_money

    currency = payment.organization.currency
    return {
        "family_name": payment.family.name,
        "lines": [
            {
                "student": line.student,
                "offering": line.offering,
                "label": line.label,
                "amount": format_money(line.amount, currency),
                "due_on": format_date(line.due_on) if line.due_on else "",
            }
            for line in receipt.lines
        ],
        "waitlist": [
            {
                "student": enrollment.student.full_name,
                "offering": enrollment.klass.name if enrollment.klass else "",
                "position": waitlist_position(enrollment),
            }
            for enrollment in receipt.waitlist
        ],
        "total": format_money(receipt.total, currency),
        "paid": format_money(receipt.paid, currency),
        "due_later": format_money(receipt.due_later, currency)
        if receipt.due_later > 0
        else "",
        "method": receipt.method_label,
        "pay_at_front_desk": receipt.pay_at_front_desk,
    }


@task()
def send_checkout_confirmation(*, payment_id, base_url="", language=None):
    """E-mail the receipt of a confirmed checkout to the guardian who paid
    (else the primary guardian), with a link back to the receipt page."""
    from django.urls import reverse

    from portal.accounts.emails import deliver_portal_email, site_url
    from portal.billing.models import Payment

    from .selectors import checkout_receipt

    with scopes_disabled():
        payment = (
            Payment.objects.select_related("organization", "family", "guardian__user")
            .filter(pk=payment_id)
            .first()
        )
    if payment is None:
        return
    organization = payment.organization
    with (
        scope(organization=organization.pk),
        translation.override(language or settings.LANGUAGE_CODE),
    ):
        receipt = checkout_receipt(
            family=payment.family, idempotency_key=payment.idempotency_key
        )
        to = _recipient(payment)
        if receipt is None or not to:
            return
        deliver_portal_email(
            organization=organization,
            to=to,
            template="checkout_confirmation",
            context={
                **confirmation_context(payment=payment, receipt=receipt),
                "receipt_url": (base_url or site_url()).rstrip("/")
                + reverse(
                    "cart:done",
                    kwargs={
                        "org_slug": organization.slug,
                        "key": payment.idempotency_key,
                    },
                ),
            },
        )


def payment_settle(*, payment, now=None) -> str:
    """Ask the gateway what became of a pending Payment and finish it:
    "confirmed", "failed", or "pending" when the gateway still cannot say."""
    from portal.billing.gateways import GatewayError, gateway_for
    from portal.billing.models import PaymentPurpose, PaymentStatus

    from .checkout import CheckoutError, _fail, payment_complete

    now = now or timezone.now()
    if payment.status != PaymentStatus.PENDING:
        return payment.status
    family = payment.family
    gateway = gateway_for(payment.organization)
    if gateway is None:
        return PaymentStatus.PENDING
    try:
        result = gateway.find_charge(idempotency_key=payment.idempotency_key)
    except GatewayError:
        return PaymentStatus.PENDING
    if payment.purpose != PaymentPurpose.CHECKOUT:
        # Make Payment, tuition billing, staff: charges already on the ledger.
        from portal.billing.collect import payment_finish

        return payment_finish(payment=payment, result=result, now=now).status
    if result is None or not result.approved:
        code = "unreachable" if result is None else (result.code or "declined")
        message = (
            CheckoutError("unreachable").message
            if result is None
            else (result.message or CheckoutError("declined").message)
        )
        _fail(
            payment=payment,
            family=family,
            code=code,
            message=message,
            restore={},
            now=now,
        )
        return PaymentStatus.FAILED
    try:
        payment_complete(
            payment=payment, result=result, family=family, now=now, gateway=gateway
        )
    except CheckoutError:
        pass
    payment.refresh_from_db()
    return payment.status


@task()
def settle_pending_payments(*, older_than_minutes=SETTLE_AFTER_MINUTES):
    """Settle every Payment pending for longer than `older_than_minutes`."""
    from portal.billing.models import Payment, PaymentStatus

    now = timezone.now()
    cutoff = now - datetime.timedelta(minutes=older_than_minutes)
    with scopes_disabled():
        pending = list(
            Payment.objects.filter(
                status=PaymentStatus.PENDING, created_at__lt=cutoff
            ).select_related("organization", "family")
        )
    outcomes = {}
    for payment in pending:
        with scope(organization=payment.organization_id):
            try:
                outcome = payment_settle(payment=payment, now=now)
            except Exception:  # noqa: BLE001 - one bad payment must not stop the rest
                logger.exception("Settling payment %s failed", payment.pk)
                outcome = "error"
        outcomes[payment.pk] = str(outcome)
    return outcomes
