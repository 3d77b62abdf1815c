"""Writes for enrollments.

An active class enrollment takes a seat, and the class row keeps the number
of seats taken (`Class.seats_taken`) so that lists can show openings without
counting. Every service that changes an enrollment's status changes that
number in the same transaction, with an F() update of the class row; the
`check_seat_counts` management command compares it with the real count.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .errors import EnrollmentError
from .models import Enrollment, EnrollmentStatus


def _seats_taken_add(klass_id, delta):
    from portal.catalog.models import Class

    Class.objects.filter(pk=klass_id).update(seats_taken=F("seats_taken") + delta)


def _names(student, offering):
    return {
        "student": student.first_name,
        "offering": getattr(offering, "name", str(offering)),
    }


RELATED = [
    "organization",
    "student",
    "klass",
    "event",
    "party_slot",
    "party_package",
    "enrolled_by",
]


@transaction.atomic
def enrollment_add(
    *,
    student,
    klass=None,
    event=None,
    party_slot=None,
    party_package=None,
    starts_on=None,
    days=(),
    by=None,
    check_seats: bool = False,
    now=None,
) -> Enrollment:
    """An active enrollment. The checkout calls it for a seat it already
    holds; staff enrolling from the admin pass `check_seats=True`, which
    locks the offering and refuses a full one (the cart's seat rules)."""
    offering = klass or event or party_slot
    if check_seats and offering is not None:
        from portal.cart.services import lock_offering, seat_problem

        now = now or timezone.now()
        locked = lock_offering(type(offering), offering.pk)
        if Enrollment.objects.filter(
            student=student,
            klass=klass,
            event=event,
            party_slot=party_slot,
            status=EnrollmentStatus.ACTIVE,
        ).exists():
            raise EnrollmentError("already_enrolled", **_names(student, offering))
        problem = seat_problem(
            klass=locked if klass else None,
            event=locked if event else None,
            party_slot=locked if party_slot else None,
            days=list(days),
            now=now,
        )
        if problem is not None:
            raise EnrollmentError(
                "full", offering=_names(student, offering)["offering"]
            )
    enrollment = Enrollment(
        organization=student.organization,
        student=student,
        klass=klass,
        event=event,
        party_slot=party_slot,
        party_package=party_package,
        starts_on=starts_on,
        days=list(days),
        status=EnrollmentStatus.ACTIVE,
        enrolled_by=by,
    )
    # The related rows were passed in as loaded objects and the table's
    # constraints (one offering, a class once per student) are enforced by
    # the INSERT itself: checking them first would cost a query each on the
    # checkout's busiest step.
    enrollment.full_clean(exclude=RELATED, validate_constraints=False)
    enrollment.save()
    if enrollment.klass_id:
        _seats_taken_add(enrollment.klass_id, 1)
    return enrollment


@transaction.atomic
def waitlist_join(*, student, klass, by=None, starts_on=None) -> Enrollment:
    """A place on a class's waitlist: no seat, nothing charged; the order of
    joining is the order of the list."""
    names = _names(student, klass)
    if not klass.waitlist_allowed:
        raise EnrollmentError("no_waitlist", offering=klass.name)
    current = set(
        Enrollment.objects.filter(
            student=student,
            klass=klass,
            status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.WAITLIST],
        ).values_list("status", flat=True)
    )
    if EnrollmentStatus.ACTIVE in current:
        raise EnrollmentError("already_enrolled", **names)
    if EnrollmentStatus.WAITLIST in current:
        raise EnrollmentError("already_waitlisted", **names)
    enrollment = Enrollment(
        organization=student.organization,
        student=student,
        klass=klass,
        starts_on=starts_on,
        status=EnrollmentStatus.WAITLIST,
        enrolled_by=by,
    )
    enrollment.full_clean()
    enrollment.save()
    return enrollment


@transaction.atomic
def enrollment_drop(*, enrollment, by=None) -> Enrollment:
    """Drop an enrollment (or a waitlist place); an active class enrollment
    gives its seat back."""
    row = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if row.status == EnrollmentStatus.DROPPED:
        return row
    was_active = row.status == EnrollmentStatus.ACTIVE
    row.status = EnrollmentStatus.DROPPED
    row.save(update_fields=["status"])
    if was_active and row.klass_id:
        _seats_taken_add(row.klass_id, -1)
    return row
