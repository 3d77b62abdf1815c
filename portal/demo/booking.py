"""Classes to try enrolling with: one full with a waitlist (a student of
another demo family already waits), one whose registration opens tomorrow.

The full class suits the demo parent's Mia, so "Join Waitlist" can be tried;
the Chens fill it. The classes are found again by name: a second run adds
nothing."""

import datetime
import zoneinfo
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from portal.catalog.models import Class, Instructor, Level
from portal.catalog.services import class_create
from portal.enrollments.services import enrollment_add, waitlist_join
from portal.families.models import Relationship
from portal.families.services import family_register, student_create
from portal.tenancy.models import Location, Organization

from .catalog import season_start

FULL_CLASS = "Intermediate – Sat 10:00 AM"
OPENS_TOMORROW_CLASS = "Advanced – Sat 11:30 AM"
OTHER_FAMILY_EMAIL = "chen.family@example.com"
# The Chens' children, with their ages in years: two take the full class's
# seats, the third waits.
OTHER_STUDENTS = [("Lily", 7), ("Max", 8), ("Zoe", 6)]
REGISTRATION_OPENS = datetime.time(9, 0)


def seed(organization: Organization) -> None:
    names = set(
        Class.objects.filter(
            organization=organization, name__in=[FULL_CLASS, OPENS_TOMORROW_CLASS]
        ).values_list("name", flat=True)
    )
    if len(names) == 2:
        return
    today = timezone.localdate()
    location = Location.objects.filter(organization=organization).order_by(
        "sort_order", "pk"
    )[0]
    instructor = Instructor.objects.filter(organization=organization).order_by("pk")[0]
    if FULL_CLASS not in names:
        seed_full_class(organization, location, instructor, today)
    if OPENS_TOMORROW_CLASS not in names:
        seed_class_opening_tomorrow(organization, location, instructor, today)


def _class(organization, *, name, level, location, instructor, today, **fields):
    start = season_start(today)
    return class_create(
        organization=organization,
        name=name,
        program=level.program,
        level=level,
        location=location,
        instructor=instructor,
        season_start=start,
        season_end=start + datetime.timedelta(weeks=16),
        tuition=Decimal("80.00"),
        registration_fee=Decimal("25.00"),
        description=f"{level.program.name}: {level.name}.",
        **fields,
    )


def seed_full_class(organization, location, instructor, today) -> Class:
    level = Level.objects.select_related("program").get(
        organization=organization, name="Intermediate"
    )
    klass = _class(
        organization,
        name=FULL_CLASS,
        level=level,
        location=location,
        instructor=instructor,
        today=today,
        capacity=2,
        waitlist_allowed=True,
        min_age_years=5,
        max_age_years=9,
        schedules=[
            {
                "weekday": 5,
                "start_time": datetime.time(10, 0),
                "end_time": datetime.time(10, 45),
            }
        ],
    )
    guardian = family_register(
        organization=organization,
        email=OTHER_FAMILY_EMAIL,
        password_hash=make_password(None),
        first_name="Wei",
        last_name="Chen",
        relationship=Relationship.FATHER,
        emails=[
            {"email": OTHER_FAMILY_EMAIL, "email_type": "home", "subscribed": False}
        ],
        phones=[{"number": "(217) 555-0188", "phone_type": "mobile"}],
        address={
            "line1": "9 Lakeview Drive",
            "city": "Springfield",
            "region": "IL",
            "postal_code": "62704",
            "country": "United States",
        },
        send_welcome=False,
    )
    students = [
        student_create(
            family=guardian.family,
            first_name=first_name,
            last_name="Chen",
            date_of_birth=today.replace(year=today.year - age, day=1),
        )
        for first_name, age in OTHER_STUDENTS
    ]
    for student in students[:2]:
        enrollment_add(student=student, klass=klass, starts_on=klass.season_start)
    waitlist_join(student=students[2], klass=klass)
    return klass


def seed_class_opening_tomorrow(organization, location, instructor, today) -> Class:
    level = Level.objects.select_related("program").get(
        organization=organization, name="Advanced"
    )
    # Tomorrow at the pool, whatever the server's date.
    zone = zoneinfo.ZoneInfo(location.time_zone or "UTC")
    tomorrow = timezone.now().astimezone(zone).date() + datetime.timedelta(days=1)
    opens = datetime.datetime.combine(tomorrow, REGISTRATION_OPENS, tzinfo=zone)
    return _class(
        organization,
        name=OPENS_TOMORROW_CLASS,
        level=level,
        location=location,
        instructor=instructor,
        today=today,
        capacity=8,
        min_age_years=7,
        max_age_years=12,
        registration_opens_at=opens,
        schedules=[
            {
                "weekday": 5,
                "start_time": datetime.time(11, 30),
                "end_time": datetime.time(12, 15),
            }
        ],
    )
