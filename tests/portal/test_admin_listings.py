"""Every admin listing runs the same number of queries whatever its row count.

The cases are discovered from the registered Wagtail viewsets, so a new
listing of a Portico model fails here until ROWS says how to fill it.
"""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse
from django_scopes import scopes_disabled
from wagtail.admin.viewsets import viewsets
from wagtail.admin.viewsets.model import ModelViewSet

from portal.catalog.models import (
    Blackout,
    Event,
    Instructor,
    Level,
    PartyPackage,
    PartySlot,
    Program,
)
from portal.catalog.services import class_create, record_create
from portal.families.models import Family
from portal.tenancy.services import location_create, staff_membership_create
from snippets.models import CustomField, ReferralSource
from tests.factories import UserFactory, make_family, make_organization, make_staff

pytestmark = pytest.mark.django_db

# Viewsets defined by Portico's apps (Wagtail's own, such as its users
# listing, are Wagtail's business).
PORTICO_APPS = ("portal.", "pages.", "snippets.", "cms.")
SMALL, LARGE = 2, 8

_numbers = itertools.count(1)


def portico_viewsets():
    get_resolver().url_patterns  # noqa: B018  (loading the URLconf registers them)
    found = {}
    for viewset in viewsets.viewsets:
        if isinstance(viewset, ModelViewSet) and type(viewset).__module__.startswith(
            PORTICO_APPS
        ):
            found[viewset.model._meta.label_lower] = viewset
    return found


# How to add `count` rows that the listing shows. Each builder gets the
# organization the staff user works for and the staff user (some listings show
# one row per organization the user works for). Every row points at rows of
# its own (program, location, family ...), so a listing that loads a related
# row per row would grow.


def _n():
    return next(_numbers)


def _location(org, n):
    return location_create(organization=org, name=f"Pool {n}", city="Springfield")


def add_locations(org, user, count):
    for _ in range(count):
        _location(org, _n())


def add_portal_settings(org, user, count):
    for _ in range(count):
        staff_membership_create(organization=make_organization(), user=user)


def add_organizations(org, user, count):
    for _ in range(count):
        make_organization()


def add_programs(org, user, count):
    for _ in range(count):
        record_create(Program, organization=org, name=f"Program {_n()}")


def _program(org):
    return record_create(Program, organization=org, name=f"Program {_n()}")


def add_levels(org, user, count):
    for _ in range(count):
        record_create(Level, organization=org, program=_program(org), name="Level")


def add_instructors(org, user, count):
    for _ in range(count):
        record_create(Instructor, organization=org, first_name="Kim", last_name="Lee")


def add_classes(org, user, count):
    for _ in range(count):
        n = _n()
        program = _program(org)
        class_create(
            organization=org,
            name=f"Class {n}",
            program=program,
            level=record_create(
                Level, organization=org, program=program, name=f"Level {n}"
            ),
            location=_location(org, n),
            instructor=record_create(
                Instructor, organization=org, first_name="Kim", last_name=f"L{n}"
            ),
            season_start=datetime.date(2026, 1, 5),
            season_end=datetime.date(2026, 6, 1),
            schedules=[
                {
                    "weekday": 0,
                    "start_time": datetime.time(9),
                    "end_time": datetime.time(10),
                }
            ],
        )


def add_events(org, user, count):
    for _ in range(count):
        n = _n()
        record_create(
            Event,
            organization=org,
            name=f"Camp {n}",
            location=_location(org, n),
            start_date=datetime.date(2026, 7, 6),
            end_date=datetime.date(2026, 7, 10),
            daily_start=datetime.time(9),
            daily_end=datetime.time(15),
            price="200.00",
        )


def add_party_packages(org, user, count):
    for _ in range(count):
        record_create(
            PartyPackage,
            organization=org,
            name=f"Party {_n()}",
            duration_minutes=90,
            price="150.00",
        )


def add_party_slots(org, user, count):
    for _ in range(count):
        n = _n()
        record_create(
            PartySlot,
            organization=org,
            location=_location(org, n),
            starts_at=datetime.datetime(2026, 5, 2, 10, tzinfo=datetime.UTC),
        )


def add_blackouts(org, user, count):
    for _ in range(count):
        n = _n()
        record_create(
            Blackout,
            organization=org,
            name=f"Closed {n}",
            location=_location(org, n),
            start_date=datetime.date(2026, 12, 24),
            end_date=datetime.date(2026, 12, 26),
        )


def _referral_source(org):
    return ReferralSource.objects.create(organization=org, name=f"Flyer {_n()}")


def add_families(org, user, count):
    for _ in range(count):
        family = make_family(org).family
        Family.objects.filter(pk=family.pk).update(
            referral_source=_referral_source(org)
        )


def add_students(org, user, count):
    for _ in range(count):
        make_family(org, students=("Mia",))


def add_referral_sources(org, user, count):
    for _ in range(count):
        _referral_source(org)


def add_custom_fields(org, user, count):
    for _ in range(count):
        CustomField.objects.create(organization=org, label=f"Question {_n()}")


def add_staff(org, user, count):
    for _ in range(count):
        make_staff(org)


ROWS = {
    "tenancy.location": add_locations,
    "tenancy.portalsettings": add_portal_settings,
    "tenancy.organization": add_organizations,
    "tenancy.staffmembership": add_staff,
    "catalog.program": add_programs,
    "catalog.level": add_levels,
    "catalog.instructor": add_instructors,
    "catalog.class": add_classes,
    "catalog.event": add_events,
    "catalog.partypackage": add_party_packages,
    "catalog.partyslot": add_party_slots,
    "catalog.blackout": add_blackouts,
    "families.family": add_families,
    "families.student": add_students,
    "snippets.referralsource": add_referral_sources,
    "snippets.customfield": add_custom_fields,
}
# Listings only a superuser may see.
SUPERUSER_LISTINGS = {"tenancy.organization"}


def listing_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


@pytest.mark.parametrize("label", sorted(portico_viewsets()))
def test_listing_queries_do_not_grow_with_rows(client, label):
    viewset = portico_viewsets()[label]
    if label not in ROWS:
        pytest.fail(f"{label}: say in ROWS how to fill the {viewset.name} listing")
    org = make_organization(name="Alpha Swim", slug="alpha")
    if label in SUPERUSER_LISTINGS:
        user = UserFactory(is_superuser=True, is_staff=True)
    else:
        user = make_staff(org)
    client.force_login(user)
    url = reverse(viewset.get_url_name("index"))

    with scopes_disabled():
        ROWS[label](org, user, SMALL)
    small, small_count = listing_queries(client, url)
    with scopes_disabled():
        ROWS[label](org, user, LARGE - SMALL)
    large, large_count = listing_queries(client, url)

    model = viewset.model
    rows = len(small.context["object_list"]), len(large.context["object_list"])
    assert rows[1] - rows[0] == LARGE - SMALL, f"{model} rows shown: {rows}"
    assert small_count == large_count, (
        f"{label}: {small_count} queries for {rows[0]} rows, "
        f"{large_count} for {rows[1]}"
    )


def test_every_rows_builder_has_a_listing():
    assert set(ROWS) <= set(portico_viewsets())
