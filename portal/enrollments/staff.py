"""Enrolling by staff from the admin (the class roster): the same services
and the same seat rules as a family's checkout."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import Enrollment, EnrollmentStatus
from .services import enrollment_add, enrollment_drop, waitlist_join


@transaction.atomic
def staff_enroll(*, klass, student, waitlist: bool = False, by, now=None) -> Enrollment:
    """Enroll a student in a class, or put them on its waitlist.

    Enrolling locks the class row and counts its enrolled students and live
    cart holds (enrollment_add with check_seats): a full class is refused
    with EnrollmentError("full"). A student waiting for the class takes the
    seat and leaves the waitlist, or, when the class is full, keeps their
    place (nothing changes)."""
    now = now or timezone.now()
    if waitlist:
        return waitlist_join(student=student, klass=klass, by=by)
    waiting = Enrollment.objects.filter(
        student=student, klass=klass, status=EnrollmentStatus.WAITLIST
    ).first()
    if waiting is not None:
        enrollment_drop(enrollment=waiting, by=by)
    return enrollment_add(
        student=student, klass=klass, by=by, check_seats=True, now=now
    )
