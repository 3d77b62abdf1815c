"""The demo catalog: three programs with about forty classes at two pools,
three camps, party packages with Saturday slots, a blackout week."""

import datetime
import zoneinfo
from decimal import Decimal

from django.utils import timezone

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
from portal.tenancy.models import Location, Organization

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
INSTRUCTORS = [
    ("Maya", "Thompson"),
    ("Jordan", "Lee"),
    ("Priya", "Nair"),
    ("Chris", "Moreno"),
]
# (program, its levels, the levels' ages (from, to))
PROGRAMS = [
    (
        "Swim",
        ["Parent & Tot", "Beginner", "Intermediate", "Advanced"],
        [(0, 3), (3, 6), (5, 9), (7, 12)],
    ),
    ("Swim Team Prep", ["Bronze", "Silver", "Gold"], [(7, 11), (8, 13), (9, 15)]),
    ("Adult Swim", ["Learn to Swim", "Fitness"], [(16, 99), (16, 99)]),
]
COPIES = {"Swim": 5, "Swim Team Prep": 4, "Adult Swim": 4}  # classes per level: 40
CLASS_TIMES = [
    (datetime.time(9, 0), datetime.time(9, 30)),
    (datetime.time(16, 0), datetime.time(16, 45)),
    (datetime.time(17, 0), datetime.time(17, 45)),
    (datetime.time(18, 0), datetime.time(18, 45)),
]
SEASON_WEEKS = 16  # the season began two weeks before this week's Monday
# (camp, ages from, to); one every two weeks, Monday to Friday mornings
CAMPS = [
    ("Winter Break Splash Camp", 5, 12),
    ("Junior Lifeguard Camp", 10, 15),
    ("Spring Break Water Fun", 4, 8),
]
# (package, minutes, price, deposit, guests)
PARTIES = [
    ("Splash Party", 90, "249.00", "75.00", 15),
    ("Deluxe Pool Party", 120, "349.00", "100.00", 25),
]
PARTY_WEEKS = 6  # Saturday slots at 11:00 and 14:00 at each pool
BLACKOUT_NAME = "Pool maintenance week"


def seed(organization: Organization) -> None:
    if Program.objects.filter(organization=organization).exists():
        return
    today = timezone.localdate()
    locations = list(
        Location.objects.filter(organization=organization).order_by("sort_order")
    )
    seed_classes(organization, locations, today)
    seed_camps(organization, locations, today)
    seed_parties(organization, locations, today)
    blackout_start = today + datetime.timedelta(days=(0 - today.weekday()) % 7 + 14)
    record_create(
        Blackout,
        organization=organization,
        name=BLACKOUT_NAME,
        start_date=blackout_start,
        end_date=blackout_start + datetime.timedelta(days=6),
    )


def season_start(today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=today.weekday() + 14)


def seed_classes(organization, locations, today) -> None:
    start_of_season = season_start(today)
    end_of_season = start_of_season + datetime.timedelta(weeks=SEASON_WEEKS)
    instructors = [
        record_create(
            Instructor, organization=organization, first_name=first, last_name=last
        )
        for first, last in INSTRUCTORS
    ]
    n = 0
    for order, (name, levels, ages) in enumerate(PROGRAMS):
        program = record_create(
            Program, organization=organization, name=name, sort_order=order
        )
        for position, (level_name, (low, high)) in enumerate(
            zip(levels, ages, strict=True)
        ):
            level = record_create(
                Level,
                organization=organization,
                program=program,
                name=level_name,
                sort_order=position,
            )
            for _copy in range(COPIES[name]):
                n += 1
                weekday = n % 6
                start, end = CLASS_TIMES[n % len(CLASS_TIMES)]
                class_create(
                    organization=organization,
                    name=f"{level.name} – {WEEKDAYS[weekday]} {start:%-I:%M %p}",
                    program=program,
                    level=level,
                    location=locations[n % len(locations)],
                    instructor=instructors[n % len(instructors)],
                    season_start=start_of_season,
                    season_end=end_of_season,
                    capacity=6 + (n % 3) * 2,
                    min_age_years=low,
                    max_age_years=high,
                    tuition=Decimal("72.00") + 8 * (n % 4),
                    registration_fee=Decimal("25.00"),
                    description=f"{program.name}: {level.name}.",
                    schedules=[
                        {"weekday": weekday, "start_time": start, "end_time": end}
                    ],
                )


def seed_camps(organization, locations, today) -> None:
    camp_start = today + datetime.timedelta(days=(4 - today.weekday()) % 7 + 10)
    for i, (name, low, high) in enumerate(CAMPS):
        first = camp_start + datetime.timedelta(weeks=2 * i)
        record_create(
            Event,
            organization=organization,
            name=name,
            location=locations[i % len(locations)],
            start_date=first,
            end_date=first + datetime.timedelta(days=4),
            daily_start=datetime.time(9, 0),
            daily_end=datetime.time(12, 0),
            capacity=20,
            price=Decimal("225.00"),
            price_per_day=Decimal("55.00") if i != 1 else None,
            min_age_years=low,
            max_age_years=high,
            description="Games, skills and water safety every morning.",
        )


def seed_parties(organization, locations, today) -> None:
    for name, minutes, price, deposit, guests in PARTIES:
        record_create(
            PartyPackage,
            organization=organization,
            name=name,
            duration_minutes=minutes,
            price=Decimal(price),
            deposit=Decimal(deposit),
            guest_limit=guests,
        )
    for location in locations:
        zone = zoneinfo.ZoneInfo(location.time_zone)
        for week in range(1, PARTY_WEEKS + 1):
            saturday = today + datetime.timedelta(
                days=(5 - today.weekday()) % 7 + 7 * week
            )
            for hour in (11, 14):
                record_create(
                    PartySlot,
                    organization=organization,
                    location=location,
                    starts_at=datetime.datetime.combine(
                        saturday, datetime.time(hour), tzinfo=zone
                    ),
                )
