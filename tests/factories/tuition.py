"""Tuition billing factories: a class with a fixed season and weekday, an
active enrollment written by the enrolling service, a closure."""

import datetime
from decimal import Decimal

from django_scopes import scopes_disabled

from portal.catalog.models import Blackout
from portal.catalog.services import class_create, record_create
from portal.enrollments.services import enrollment_add

from .cart import _program


def make_tuition_class(
    organization,
    *,
    name="Guppies",
    tuition="100.00",
    period="month",
    weekday=0,
    season_start=datetime.date(2026, 1, 1),
    season_end=datetime.date(2026, 12, 31),
    location=None,
):
    """A class meeting weekly (Mondays unless told) at 4 pm all 2026."""
    with scopes_disabled():
        return class_create(
            organization=organization,
            name=name,
            program=_program(organization),
            location=location or organization.locations.first(),
            season_start=season_start,
            season_end=season_end,
            capacity=50,
            tuition=Decimal(tuition),
            tuition_period=period,
            schedules=[
                {
                    "weekday": weekday,
                    "start_time": datetime.time(16),
                    "end_time": datetime.time(16, 45),
                }
            ],
        )


def make_enrollment(student, klass, *, starts_on=None):
    with scopes_disabled():
        return enrollment_add(student=student, klass=klass, starts_on=starts_on)


def make_blackout(organization, day, *, name="Closed", location=None):
    with scopes_disabled():
        return record_create(
            Blackout,
            organization=organization,
            name=name,
            start_date=day,
            end_date=day,
            location=location,
        )
