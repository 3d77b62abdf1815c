"""The demo family's account history, so Payments, Transaction History and
the statements have something to show: the registration fee and last
month's tuition paid by card, this month's tuition still open (part of it
covered by a credit waiting to be applied), and an older charge past 30
days. Also the statement logo and tax ID on the portal settings.

Everything goes through the ledger services with fixed idempotency keys, so
seeding twice writes nothing twice."""

import datetime
from decimal import Decimal

from django.utils import timezone

from portal.billing.models import LedgerEntry, Payment, PaymentStatus
from portal.billing.services import charge_post, credit_post, payment_post
from portal.demo.images import pool_scene
from portal.demo.pages import image
from portal.enrollments.models import Enrollment, EnrollmentStatus
from portal.families.models import Family
from portal.tenancy.models import Organization, PortalSettings

from .logins import PARENT_EMAIL

TAX_ID = "12-3456789"


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
    for n, enrollment in enumerate(enrollments):
        klass, student = enrollment.klass, enrollment.student
        if klass.tuition <= 0:
            continue
        location = klass.location
        label = f"{student.first_name} – {klass.name}"
        fee = charge_post(
            family=family,
            amount=Decimal("25.00"),
            description=f"Registration fee – {label}",
            idempotency_key=f"demo:fee:{enrollment.pk}",
            location=location,
            student=student,
            enrollment=enrollment,
            now=now - days(62),
        )
        last_month = charge_post(
            family=family,
            amount=klass.tuition,
            description=f"Tuition, last month – {label}",
            idempotency_key=f"demo:tuition-1:{enrollment.pk}",
            location=location,
            student=student,
            enrollment=enrollment,
            now=now - days(35),
        )
        _paid(
            family,
            key=f"demo:paid:{enrollment.pk}",
            amount=fee.amount + last_month.amount,
            location=location,
            charges=[fee, last_month],
            when=now - days(34),
        )
        charge_post(
            family=family,
            amount=klass.tuition,
            description=f"Tuition, this month – {label}",
            idempotency_key=f"demo:tuition-0:{enrollment.pk}",
            location=location,
            student=student,
            enrollment=enrollment,
            due_on=(now - days(3)).date(),
            now=now - days(5),
        )
        if n == 0:
            charge_post(
                family=family,
                amount=Decimal("12.00"),
                description=f"Swim cap and goggles – {student.first_name}",
                idempotency_key=f"demo:shop:{enrollment.pk}",
                location=location,
                student=student,
                now=now - days(48),
            )
            credit_post(
                family=family,
                amount=Decimal("20.00"),
                reason="Lesson cancelled by the pool",
                description="Credit: a cancelled lesson",
                idempotency_key=f"demo:credit:{enrollment.pk}",
                location=location,
                now=now - days(10),
            )
