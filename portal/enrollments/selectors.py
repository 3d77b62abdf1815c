"""Reads for enrollments: waitlist positions, a class's roster, seat checks."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils import timezone

from .models import Enrollment, EnrollmentStatus


def waitlist_position(enrollment) -> int | None:
    """1 for the first on the class's waitlist; None when not waiting."""
    if enrollment.status != EnrollmentStatus.WAITLIST or not enrollment.klass_id:
        return None
    ahead = Enrollment.objects.filter(
        klass_id=enrollment.klass_id, status=EnrollmentStatus.WAITLIST
    ).filter(
        Q(created_at__lt=enrollment.created_at)
        | Q(created_at=enrollment.created_at, pk__lt=enrollment.pk)
    )
    return ahead.count() + 1


@dataclass(frozen=True)
class Roster:
    klass: object
    active: list  # enrollments, first enrolled first
    waitlist: list  # enrollments with .position, in waiting order
    holds: list  # unexpired cart items (seats held by families shopping)

    @property
    def open_seats(self):
        return max(self.klass.capacity - len(self.active) - len(self.holds), 0)


def class_roster(*, organization, klass, now=None) -> Roster:
    """A class's students for staff: active enrollments, the waitlist with
    positions, and the seats held in carts right now. Three queries."""
    from portal.cart.models import CartItem

    now = now or timezone.now()
    if klass.organization_id != organization.pk:
        raise Enrollment.DoesNotExist
    rows = list(
        Enrollment.objects.filter(
            klass=klass,
            status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.WAITLIST],
        )
        .select_related("student__family", "enrolled_by")
        .order_by("created_at", "pk")
    )
    active = [row for row in rows if row.status == EnrollmentStatus.ACTIVE]
    waitlist = [row for row in rows if row.status == EnrollmentStatus.WAITLIST]
    for position, row in enumerate(waitlist, start=1):
        row.position = position
    for row in active:
        row.position = None
    holds = list(
        CartItem.objects.filter(klass=klass, waitlist=False, expires_at__gt=now)
        .select_related("student__family")
        .order_by("expires_at", "pk")
    )
    return Roster(klass=klass, active=active, waitlist=waitlist, holds=holds)


def seats_taken_mismatches(*, organization) -> list:
    """Classes whose stored `seats_taken` differs from their active
    enrollments; each carries `.real_taken`."""
    from portal.catalog.models import Class

    return list(
        Class.objects.filter(organization=organization)
        .annotate(
            real_taken=Count(
                "enrollments",
                filter=Q(enrollments__status=EnrollmentStatus.ACTIVE),
            )
        )
        .exclude(seats_taken=F("real_taken"))
        .order_by("pk")
    )
