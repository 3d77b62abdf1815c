"""The demo family's year of account history, so Payments, Transaction
History and the statements have something to show: registration fees and
eleven months of tuition paid by card, this month's tuition still open, last
summer's camp with a rained-out day refunded, an overdue charge from the
desk and a credit waiting to be applied. Also the statement logo and tax ID
on the portal settings.

Everything goes through the ledger services with fixed idempotency keys, so
seeding twice writes nothing twice."""

import datetime
from decimal import Decimal

from django.utils import timezone

from portal.billing.models import LedgerEntry, Payment, PaymentStatus
from portal.billing.services import (
    charge_post,
    credit_post,
    payment_post,
    refund_post,
)
from portal.demo.images import pool_scene
from portal.demo.pages import image
from portal.enrollments.models import Enrollment, EnrollmentStatus
from portal.families.models import Family
from portal.tenancy.models import Organization, PortalSettings

from .logins import PARENT_EMAIL

TAX_ID = "12-3456789"
MONTHS = 11  # months of history before this one


def _paid(family, *, key, amount, location, charges, when, brand="Visa"):
    payment, _created = Payment.objects.get_or_create(
        organization=family.organization,
        idempotency_key=key,
        defaults={
            "family": family,
            "location": location,
            "amount": amount,
            "status": PaymentStatus.CONFIRMED,
            "gateway": "sandbox",
            "gateway_reference": f"{key}:ref",
            "method_kind": "card",
            "brand": brand,
            "last4": "4242",
            "purpose": "checkout",
            "created_at": when,
        },
    )
    payment_post(payment=payment, charges=charges, now=when)
    return payment


def seed(organization: Organization) -> None:
    # Seeded in seed_all's transaction: one demo entry says it is all there.
    if LedgerEntry.objects.filter(
        organization=organization, idempotency_key__startswith="demo:"
    ).exists():
        return
    settings = PortalSettings.objects.get(organization=organization)
    if not settings.tax_id:
        settings.tax_id = TAX_ID
        settings.logo = image(
            organization,
            "Statement logo",
            pool_scene(11, size=(480, 240)),
            description=organization.name,
        )
        settings.full_clean()
        settings.save(update_fields=["tax_id", "logo"])
    family = (
        Family.objects.filter(
            organization=organization, guardians__user__email=PARENT_EMAIL
        )
        .select_related("organization")
        .first()
    )
    if family is None:
        return
    enrollments = list(
        Enrollment.objects.filter(
            student__family=family,
            klass__isnull=False,
            status=EnrollmentStatus.ACTIVE,
        )
        .select_related("student", "klass__location")
        .order_by("student__date_of_birth")
    )
    if not enrollments:
        return
    now = timezone.now()
    days = datetime.timedelta
    first = enrollments[0]
    location = first.klass.location
    for enrollment in enrollments:
        klass, student = enrollment.klass, enrollment.student
        if klass.tuition <= 0:
            continue
        label = f"{student.first_name} – {klass.name}"
        fee = charge_post(
            family=family,
            amount=Decimal("25.00"),
            description=f"Registration fee – {label}",
            idempotency_key=f"demo:fee:{enrollment.pk}",
            location=klass.location,
            student=student,
            enrollment=enrollment,
            now=now - days(MONTHS * 30 + 2),
        )
        # A year of tuition: each month billed on its first day and paid by
        # card two days later; this month's is still open.
        for month in range(MONTHS, -1, -1):
            billed = now - days(month * 30 + 1)
            tuition = charge_post(
                family=family,
                amount=klass.tuition,
                description=f"Tuition – {label}",
                idempotency_key=f"demo:tuition:{enrollment.pk}:{month}",
                location=klass.location,
                student=student,
                enrollment=enrollment,
                due_on=(billed + days(5)).date(),
                now=billed,
            )
            if month == 0:
                continue
            paid = [fee, tuition] if month == MONTHS else [tuition]
            _paid(
                family,
                key=f"demo:paid:{enrollment.pk}:{month}",
                amount=sum(c.amount for c in paid),
                location=klass.location,
                charges=paid,
                when=billed + days(2),
            )
    # Last summer's camp, paid, and one day of it refunded (rained out).
    camp = charge_post(
        family=family,
        amount=Decimal("225.00"),
        description=f"Summer Splash Camp – {first.student.first_name}",
        idempotency_key="demo:camp",
        location=location,
        student=first.student,
        now=now - days(140),
    )
    camp_payment = _paid(
        family,
        key="demo:camp-paid",
        amount=camp.amount,
        location=location,
        charges=[camp],
        when=now - days(140),
    )
    credit_post(
        family=family,
        amount=Decimal("45.00"),
        reason="Camp day cancelled for weather",
        description="Camp day cancelled – refund to card",
        idempotency_key="demo:camp-credit",
        location=location,
        now=now - days(126),
    )
    refund_post(
        family=family,
        payment=camp_payment,
        amount=Decimal("45.00"),
        reason="Camp day cancelled for weather",
        description="Refund – Visa ending in 4242",
        idempotency_key="demo:camp-refund",
        now=now - days(125),
    )
    # Goggles bought at the desk and never paid: overdue.
    charge_post(
        family=family,
        amount=Decimal("12.00"),
        description=f"Swim cap and goggles – {first.student.first_name}",
        idempotency_key="demo:shop",
        location=location,
        student=first.student,
        due_on=(now - days(40)).date(),
        now=now - days(48),
    )
    # A lesson the pool cancelled, waiting to be applied.
    credit_post(
        family=family,
        amount=Decimal("20.00"),
        reason="Lesson cancelled by the pool",
        description="Credit: a cancelled lesson",
        idempotency_key="demo:credit",
        location=location,
        now=now - days(10),
    )
