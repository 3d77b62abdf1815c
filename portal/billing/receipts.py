"""E-mailed receipts for payments on account and for refunds.

Both are background tasks (django-tasks): their arguments are ids and plain
strings, and each loads its rows again and opens the organization's scope.
The receipt goes to the guardian who paid, else the primary guardian, else
the family's first contact e-mail. Dates are the location's; links are
absolute, from `base_url` (the origin of the request that took the payment)
or the configured base URL.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django_scopes import scope, scopes_disabled
from django_tasks import task

from .models import EntryKind, LedgerEntry, Payment, PaymentStatus


def receipt_recipient(family, guardian=None) -> str:
    """Where a family's receipt goes: the login e-mail of the guardian who
    paid, else of a primary guardian, else the family's first e-mail."""
    from portal.families.models import ContactEmail, Guardian

    guardians = [guardian] if guardian is not None else []
    guardians += list(
        Guardian.objects.filter(family=family, is_primary=True).select_related("user")
    )
    for person in guardians:
        if person.user_id and person.user.email:
            return person.user.email
    return (
        ContactEmail.objects.filter(family=family)
        .values_list("email", flat=True)
        .first()
        or ""
    )


def _where(organization, location):
    """The location whose time zone dates are shown in."""
    if location is not None:
        return location
    return organization.locations.filter(is_primary=True).first()


def _payments_link(organization, base_url) -> str:
    base = (base_url or settings.WAGTAILADMIN_BASE_URL).rstrip("/")
    path = reverse("billing:payments", kwargs={"org_slug": organization.slug})
    return f"{base}{path}"


def payment_receipt_context(*, payment, base_url="") -> dict:
    """Plain strings for the payment receipt's templates."""
    from portal.formatting import format_date, format_money

    from .selectors import family_balance

    organization = payment.organization
    currency = organization.currency
    family = payment.family
    entry = (
        LedgerEntry.objects.filter(
            organization_id=organization.pk,
            payment=payment,
            kind=EntryKind.PAYMENT,
        )
        .order_by("pk")
        .first()
    )
    lines, applied = [], Decimal("0.00")
    if entry is not None:
        for allocation in entry.allocations_out.select_related(
            "charge__student"
        ).order_by("pk"):
            charge = allocation.charge
            applied += allocation.amount
            lines.append(
                {
                    "description": charge.description,
                    "student": charge.student.full_name if charge.student_id else "",
                    "amount": format_money(allocation.amount, currency),
                }
            )
    credit = payment.amount - applied
    where = _where(organization, payment.location)
    when = entry.posted_at if entry is not None else payment.updated_at
    method = (
        f"{payment.brand} •••• {payment.last4}"
        if payment.brand and payment.last4
        else ""
    )
    return {
        "family_name": family.name,
        "amount": format_money(payment.amount, currency),
        "date": format_date(when, where),
        "method": method,
        "lines": lines,
        "credit": format_money(credit, currency) if credit > 0 else "",
        "balance": format_money(family_balance(family=family), currency),
        "reference": payment.gateway_reference,
        "payments_url": _payments_link(organization, base_url),
    }


def refund_receipt_context(*, entry, base_url="") -> dict:
    """Plain strings for the refund receipt's templates."""
    from portal.formatting import format_date, format_money

    organization = entry.organization
    payment = entry.payment
    method = ""
    if payment is not None and payment.brand and payment.last4:
        method = f"{payment.brand} •••• {payment.last4}"
    return {
        "family_name": entry.family.name,
        "amount": format_money(entry.amount, organization.currency),
        "date": format_date(
            entry.posted_at, _where(organization, entry.location or None)
        ),
        "method": method,
        "description": entry.description,
        "reason": entry.reason,
        "payments_url": _payments_link(organization, base_url),
    }


@task()
def send_payment_receipt(*, payment_id: int, base_url: str = "", language=None):
    """E-mail the receipt of a confirmed payment (Make Payment)."""
    from portal.accounts.emails import deliver_portal_email

    with scopes_disabled():
        payment = (
            Payment.objects.select_related(
                "organization", "family", "guardian__user", "location"
            )
            .filter(pk=payment_id, status=PaymentStatus.CONFIRMED)
            .first()
        )
    if payment is None:
        return
    organization = payment.organization
    with (
        scope(organization=organization.pk),
        translation.override(language or settings.LANGUAGE_CODE),
    ):
        to = receipt_recipient(payment.family, payment.guardian)
        if not to:
            return
        deliver_portal_email(
            organization=organization,
            to=to,
            template="payment_receipt",
            context=payment_receipt_context(payment=payment, base_url=base_url),
        )


@task()
def send_refund_receipt(*, refund_entry_id: int, base_url: str = "", language=None):
    """E-mail the receipt of a refund (a ledger entry of kind refund)."""
    from portal.accounts.emails import deliver_portal_email

    with scopes_disabled():
        entry = (
            LedgerEntry.objects.select_related(
                "organization", "family", "location", "payment__guardian__user"
            )
            .filter(pk=refund_entry_id, kind=EntryKind.REFUND)
            .first()
        )
    if entry is None:
        return
    organization = entry.organization
    with (
        scope(organization=organization.pk),
        translation.override(language or settings.LANGUAGE_CODE),
    ):
        guardian = entry.payment.guardian if entry.payment_id else None
        to = receipt_recipient(entry.family, guardian)
        if not to:
            return
        deliver_portal_email(
            organization=organization,
            to=to,
            template="refund_receipt",
            context=refund_receipt_context(entry=entry, base_url=base_url),
        )
