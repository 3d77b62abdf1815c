"""Writes for enrollments (the enrolling screens and the cart come later)."""

from django.db import transaction

from .models import Enrollment


@transaction.atomic
def enrollment_add(
    *,
    student,
    klass=None,
    event=None,
    party_slot=None,
    party_package=None,
    starts_on=None,
) -> Enrollment:
    enrollment = Enrollment(
        organization=student.organization,
        student=student,
        klass=klass,
        event=event,
        party_slot=party_slot,
        party_package=party_package,
        starts_on=starts_on,
    )
    enrollment.full_clean()
    enrollment.save()
    return enrollment
