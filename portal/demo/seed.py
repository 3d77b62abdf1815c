"""Seed the demo organization, area by area, in one transaction."""

from django.db import transaction
from django_scopes import scopes_disabled

from portal.tenancy.models import Organization

from . import (
    booking,
    catalog,
    enrollments,
    families,
    ledger,
    lookups,
    pages,
    payments,
    tenancy,
)


@transaction.atomic
def seed_all() -> Organization:
    """Create whatever of the demo is missing; a second run changes nothing.

    Order matters: the organization first, its staff and content, the lookups a
    family's registration uses, the family, the catalog, then enrollments, the
    classes to try enrolling with (full with a waitlist, opening tomorrow) and
    payments (the sandbox gateway and the demo parent's saved methods), and
    the family's account history.
    """
    with scopes_disabled():
        organization = tenancy.seed()
        tenancy.seed_staff(organization)
        pages.seed(organization)
        lookups.seed(organization)
        families.seed(organization)
        catalog.seed(organization)
        enrollments.seed(organization)
        booking.seed(organization)
        payments.seed(organization)
        ledger.seed(organization)
    return organization
