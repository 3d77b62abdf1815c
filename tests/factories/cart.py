"""Offerings for cart and checkout tests: a running class, a camp sold by
the day, a party slot, written through the catalog services."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from portal.catalog.models import Event, PartyPackage, PartySlot, Program
from portal.catalog.services import class_create, record_create

_counter = itertools.count(1)


def _program(organization):
    with scopes_disabled():
        program = Program.objects.filter(organization=organization).first()
        return program or record_create(Program, organization=organization, name="Swim")


def make_class(organization, *, name=None, capacity=8, tuition="80.00", fee="0", **kw):
    """A class running from today for three months, Mondays 4 pm, for ages
    2 and up (the factory's students are born in 2018)."""
    today = timezone.localdate()
    with scopes_disabled():
        return class_create(
            organization=organization,
            name=name or f"Class {next(_counter)}",
            program=kw.pop("program", None) or _program(organization),
            location=kw.pop("location", None) or organization.locations.first(),
            season_start=kw.pop("season_start", today),
            season_end=kw.pop("season_end", today + datetime.timedelta(days=90)),
            capacity=capacity,
            tuition=Decimal(tuition),
            registration_fee=Decimal(fee),
            schedules=[
                {
                    "weekday": 0,
                    "start_time": datetime.time(16),
                    "end_time": datetime.time(16, 45),
                }
            ],
            **kw,
        )


def make_camp(
    organization,
    *,
    name=None,
    capacity=10,
    days=3,
    price="150.00",
    per_day="60.00",
    **kw,
):
    start = timezone.localdate() + datetime.timedelta(days=14)
    with scopes_disabled():
        return record_create(
            Event,
            organization=organization,
            name=name or f"Camp {next(_counter)}",
            location=organization.locations.first(),
            start_date=start,
            end_date=start + datetime.timedelta(days=days - 1),
            daily_start=datetime.time(9),
            daily_end=datetime.time(15),
            capacity=capacity,
            price=Decimal(price),
            price_per_day=Decimal(per_day) if per_day is not None else None,
            **kw,
        )


def make_party(organization, *, price="300.00", deposit="100.00"):
    """(package, slot): a party package and a free slot in three weeks."""
    when = timezone.now().replace(microsecond=0) + datetime.timedelta(days=21)
    with scopes_disabled():
        package = record_create(
            PartyPackage,
            organization=organization,
            name=f"Splash Party {next(_counter)}",
            price=Decimal(price),
            deposit=Decimal(deposit),
        )
        slot = record_create(
            PartySlot,
            organization=organization,
            location=organization.locations.first(),
            starts_at=when + datetime.timedelta(minutes=next(_counter)),
        )
    return package, slot
