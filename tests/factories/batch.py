"""Factories for statement batches: families that owe at a location, staff of
each role. Charges go through the ledger services, as the front desk's would."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from portal.billing.services import charge_post
from portal.tenancy.models import Location, StaffRole
from portal.tenancy.services import staff_membership_create
from tests.factories import UserFactory, make_family

_counter = itertools.count(1)


def locations_of(organization):
    """The organization's locations, primary first."""
    with scopes_disabled():
        return list(
            Location.objects.filter(organization=organization).order_by(
                "-is_primary", "sort_order", "pk"
            )
        )


def owe(family, amount, *, location=None, description="Tuition", days_ago=10):
    """A charge of `amount` posted `days_ago` days ago at `location`."""
    with scope(organization=family.organization_id):
        return charge_post(
            family=family,
            amount=Decimal(amount),
            description=description,
            idempotency_key=f"owe-{next(_counter)}",
            location=location,
            now=timezone.now() - datetime.timedelta(days=days_ago),
        )


def make_owing_family(organization, name, amounts=(), *, location=None):
    """A family called `name` with one charge per amount at `location`."""
    guardian = make_family(organization, first_name="Robin", last_name=name)
    family = guardian.family
    if family.name != name:
        with scopes_disabled():
            family.name = name
            family.save(update_fields=["name"])
    for amount in amounts:
        owe(family, amount, location=location)
    return family


def make_staff_with_role(organization, role=StaffRole.FRONT_DESK, **fields):
    user = UserFactory(**fields)
    staff_membership_create(organization=organization, user=user, role=role)
    return user
