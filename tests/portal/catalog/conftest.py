"""Shared catalog for the booking page tests: four running classes over two
programs and locations, one ended, two enrollments."""

import datetime

import pytest
from django_scopes import scopes_disabled

from portal.catalog.models import Instructor, Level, Program
from portal.catalog.services import class_create, record_create
from portal.enrollments.services import enrollment_add
from tests.factories import make_family


@pytest.fixture
def catalog(org):
    with scopes_disabled():
        north, south = org.locations.order_by("-is_primary", "name")
        swim = record_create(Program, organization=org, name="Swim", sort_order=1)
        gym = record_create(Program, organization=org, name="Gym", sort_order=2)
        beginner = record_create(Level, organization=org, program=swim, name="Beginner")
        coach = record_create(
            Instructor, organization=org, first_name="Ana", last_name="Diaz"
        )

        def make(name, *, program=swim, location=north, weekday=0, hour=17, **kw):
            return class_create(
                organization=org,
                name=name,
                program=program,
                location=location,
                season_start=datetime.date(2026, 9, 1),
                season_end=datetime.date(2026, 12, 20),
                schedules=[
                    {
                        "weekday": weekday,
                        "start_time": datetime.time(hour),
                        "end_time": datetime.time(hour, 45),
                    }
                ],
                **kw,
            )

        classes = {
            "tots": make(
                "Tiny Tots",
                weekday=5,
                hour=9,
                min_age_years=1,
                max_age_years=3,
                level=beginner,
            ),
            "kids": make(
                "Kids Swim",
                weekday=1,
                hour=16,
                min_age_years=5,
                max_age_years=8,
                instructor=coach,
                capacity=2,
            ),
            "girls": make(
                "Girls Gym",
                program=gym,
                location=south,
                weekday=3,
                hour=18,
                min_age_years=6,
                max_age_years=10,
                gender="female",
            ),
            "full": make(
                "Full Class",
                weekday=2,
                hour=17,
                capacity=1,
                waitlist_allowed=False,
                min_age_years=5,
                max_age_years=8,
            ),
        }
        ended = make("Old Class")
        ended.season_end = datetime.date(2026, 9, 30)
        ended.save()
        family = make_family(org, email="mom@example.com", students=("A", "B"))
        a, b = family.family.students.all()
        enrollment_add(student=a, klass=classes["kids"])
        enrollment_add(student=b, klass=classes["full"])
    return classes
