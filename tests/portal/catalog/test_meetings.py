import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled

from portal.catalog.models import Blackout, Event, Level, Program
from portal.catalog.selectors import (
    class_eligibility,
    class_meetings,
    classes_for,
    coming_up,
)
from portal.catalog.services import class_create, record_create
from portal.enrollments.services import enrollment_add
from tests.factories import make_family, make_organization

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


@pytest.fixture
def org():
    organization = make_organization(slug="swim", locations=2)
    with scopes_disabled():
        for location in organization.locations.all():
            location.time_zone = "America/Chicago"
            location.save()
    return organization


@pytest.fixture
def program(org):
    with scopes_disabled():
        return record_create(Program, organization=org, name="Swim")


def make_class(
    org,
    program,
    *,
    weekday=1,
    start="17:00",
    end="17:45",
    season=(datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)),
    location=None,
    **fields,
):
    with scopes_disabled():
        location = location or org.locations.get(is_primary=True)
        return class_create(
            organization=org,
            name=fields.pop("name", "Guppies"),
            program=program,
            location=location,
            season_start=season[0],
            season_end=season[1],
            schedules=[
                {
                    "weekday": weekday,
                    "start_time": datetime.time.fromisoformat(start),
                    "end_time": datetime.time.fromisoformat(end),
                }
            ],
            **fields,
        )


def meetings(klass, start, end, blackouts=()):
    with scopes_disabled():
        return class_meetings(klass=klass, start=start, end=end, blackouts=blackouts)


def test_weekly_meetings_within_the_season(org, program):
    klass = make_class(org, program, weekday=1)  # Tuesdays
    found = meetings(klass, datetime.date(2026, 9, 1), datetime.date(2026, 10, 31))
    days = [m.starts_at.date() for m in found]
    assert days[0] == datetime.date(2026, 10, 6)
    assert all(d.weekday() == 1 for d in days)
    assert len(days) == 4  # Oct 6, 13, 20, 27
    assert all(m.starts_at.time() == datetime.time(17, 0) for m in found)


def test_meetings_keep_wall_clock_time_across_daylight_saving(org, program):
    klass = make_class(org, program, weekday=6, start="16:00", end="16:30")  # Sundays
    found = meetings(klass, datetime.date(2026, 10, 25), datetime.date(2026, 11, 8))
    # Daylight saving ends in Chicago on 1 November 2026.
    assert [m.starts_at.astimezone(CHICAGO).hour for m in found] == [16, 16, 16]
    offsets = [m.starts_at.utcoffset() for m in found]
    assert offsets[0] == datetime.timedelta(hours=-5)
    assert offsets[-1] == datetime.timedelta(hours=-6)
    utc_hours = [m.starts_at.astimezone(datetime.UTC).hour for m in found]
    assert utc_hours == [21, 22, 22]


def test_blackouts_cancel_whole_days_and_time_ranges(org, program):
    klass = make_class(org, program, weekday=1)
    with scopes_disabled():
        primary = org.locations.get(is_primary=True)
        other = org.locations.get(is_primary=False)
        week = record_create(
            Blackout,
            organization=org,
            name="Maintenance",
            start_date=datetime.date(2026, 10, 12),
            end_date=datetime.date(2026, 10, 18),
        )
        evening = record_create(
            Blackout,
            organization=org,
            location=primary,
            name="Gala",
            start_date=datetime.date(2026, 10, 20),
            end_date=datetime.date(2026, 10, 20),
            start_time=datetime.time(17, 30),
            end_time=datetime.time(20, 0),
        )
        morning = record_create(
            Blackout,
            organization=org,
            location=primary,
            name="Swim meet",
            start_date=datetime.date(2026, 10, 27),
            end_date=datetime.date(2026, 10, 27),
            start_time=datetime.time(8, 0),
            end_time=datetime.time(12, 0),
        )
        elsewhere = record_create(
            Blackout,
            organization=org,
            location=other,
            name="Other pool",
            start_date=datetime.date(2026, 10, 6),
            end_date=datetime.date(2026, 10, 6),
        )
    found = meetings(
        klass,
        datetime.date(2026, 10, 1),
        datetime.date(2026, 10, 31),
        [week, evening, morning, elsewhere],
    )
    assert [(m.starts_at.day, m.cancelled_by) for m in found] == [
        (6, ""),
        (13, "Maintenance"),
        (20, "Gala"),
        (27, ""),
    ]


def test_blackout_validation():
    with pytest.raises(ValidationError):
        Blackout(
            name="x",
            start_date=datetime.date(2026, 1, 2),
            end_date=datetime.date(2026, 1, 1),
        ).clean()
    with pytest.raises(ValidationError):
        Blackout(
            name="x",
            start_date=datetime.date(2026, 1, 1),
            end_date=datetime.date(2026, 1, 1),
            start_time=datetime.time(9),
        ).clean()


def test_class_validation(org, program):
    with scopes_disabled():
        other_program = record_create(Program, organization=org, name="Gym")
        level = record_create(Level, organization=org, program=other_program, name="L1")
    with pytest.raises(ValidationError) as excinfo:
        make_class(org, program, level=level)
    assert "level" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        make_class(
            org, program, season=(datetime.date(2026, 2, 1), datetime.date(2026, 1, 1))
        )
    with pytest.raises(ValidationError):
        make_class(org, program, start="18:00", end="17:00")
    with pytest.raises(ValidationError):
        make_class(org, program, min_age_years=6, max_age_years=4)
    with pytest.raises(ValidationError):
        make_class(org, program, min_age_months=12)


def test_eligibility_age_on_start_gender_and_registration(org, program):
    now = datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC)
    klass = make_class(
        org,
        program,
        min_age_years=3,
        max_age_years=5,
        max_age_months=11,
        gender="female",
    )
    start = klass.season_start  # 1 Oct 2026
    ok = class_eligibility(
        klass=klass, date_of_birth=datetime.date(2023, 10, 1), gender="female", now=now
    )
    assert ok.ok
    young = class_eligibility(
        klass=klass, date_of_birth=datetime.date(2023, 10, 2), gender="female", now=now
    )
    assert young.reasons == ("too_young",)
    old = class_eligibility(
        klass=klass, date_of_birth=start.replace(year=2020), gender="female", now=now
    )
    assert old.reasons == ("too_old",)
    boy = class_eligibility(
        klass=klass, date_of_birth=datetime.date(2022, 1, 1), gender="male", now=now
    )
    assert boy.reasons == ("gender",)
    with scopes_disabled():
        klass.registration_opens_at = datetime.datetime(
            2026, 9, 15, tzinfo=datetime.UTC
        )
        klass.online_enrollment = False
    closed = class_eligibility(
        klass=klass,
        date_of_birth=datetime.date(2022, 1, 1),
        gender="female",
        blocked=True,
        now=now,
    )
    assert closed.reasons == ("offline", "not_open", "policy")


def test_coming_up_lists_fifteen_within_thirty_days_with_cancellations(org, program):
    guardian = make_family(org, email="mom@example.com", students=("Mia", "Leo"))
    now = datetime.datetime(2026, 10, 5, 12, 0, tzinfo=datetime.UTC)
    monday = make_class(org, program, name="Mon class", weekday=0)
    thursday = make_class(org, program, name="Thu class", weekday=3)
    with scopes_disabled():
        mia, leo = guardian.family.students.order_by("first_name").reverse()
        enrollment_add(student=mia, klass=monday)
        enrollment_add(student=leo, klass=thursday)
        enrollment_add(student=leo, klass=monday)
        record_create(
            Blackout,
            organization=org,
            name="Closed",
            start_date=datetime.date(2026, 10, 8),
            end_date=datetime.date(2026, 10, 8),
        )
        event = record_create(
            Event,
            organization=org,
            name="Camp",
            location=org.locations.get(is_primary=True),
            start_date=datetime.date(2026, 10, 10),
            end_date=datetime.date(2026, 10, 11),
            daily_start=datetime.time(9),
            daily_end=datetime.time(12),
            price=Decimal("100.00"),
        )
        enrollment_add(student=mia, event=event)
        found = coming_up(family=guardian.family, now=now)
    assert len(found) == 15
    assert all(now <= m.ends_at for m in found)
    assert all(m.starts_at.date() <= datetime.date(2026, 11, 4) for m in found)
    assert found == sorted(found, key=lambda m: (m.starts_at, m.student.first_name))
    cancelled = [m for m in found if m.cancelled]
    assert [(m.title, m.starts_at.day) for m in cancelled] == [("Thu class", 8)]
    assert {m.kind for m in found} == {"class", "event"}


def test_coming_up_ignores_other_families_and_dropped(org, program):
    guardian = make_family(org, email="mom@example.com", students=("Mia",))
    other = make_family(org, email="x@example.com", students=("Zed",))
    klass = make_class(org, program)
    with scopes_disabled():
        enrollment = enrollment_add(student=guardian.family.students.get(), klass=klass)
        enrollment_add(student=other.family.students.get(), klass=klass)
        now = datetime.datetime(2026, 10, 5, tzinfo=datetime.UTC)
        assert {
            m.student.first_name for m in coming_up(family=guardian.family, now=now)
        } == {"Mia"}
        enrollment.status = "dropped"
        enrollment.save()
        assert coming_up(family=guardian.family, now=now) == []


def test_dashboard_shows_coming_up_with_cancelled_marked(client, org, program):
    import time_machine

    guardian = make_family(org, email="mom@example.com", students=("Mia",))
    klass = make_class(org, program, name="Tuesday Guppies", weekday=1)
    with scopes_disabled():
        enrollment_add(student=guardian.family.students.get(), klass=klass)
        record_create(
            Blackout,
            organization=org,
            name="Pool closed",
            start_date=datetime.date(2026, 10, 13),
            end_date=datetime.date(2026, 10, 13),
        )
    client.force_login(guardian.user)
    with time_machine.travel(datetime.datetime(2026, 10, 5, 12, tzinfo=datetime.UTC)):
        html = client.get("/portal/swim/home/").content.decode()
    assert "Coming Up!" in html
    assert "Tuesday Guppies" in html
    assert "Cancelled: Pool closed" in html
    assert html.count('class="meeting') >= 4


@pytest.mark.parametrize("count", [10, 500])
def test_dashboard_queries_do_not_grow_with_classes(
    client, org, program, django_assert_max_num_queries, count
):
    from portal.catalog.models import Class, ClassSchedule

    guardian = make_family(org, email="mom@example.com", students=("Mia", "Leo"))
    with scopes_disabled():
        location = org.locations.get(is_primary=True)
        classes = Class.objects.bulk_create(
            Class(
                organization=org,
                name=f"C{i}",
                program=program,
                location=location,
                season_start=datetime.date(2026, 10, 1),
                season_end=datetime.date(2026, 12, 31),
            )
            for i in range(count)
        )
        ClassSchedule.objects.bulk_create(
            ClassSchedule(
                klass=k,
                weekday=i % 7,
                start_time=datetime.time(17),
                end_time=datetime.time(18),
            )
            for i, k in enumerate(classes)
        )
        for student, klass in zip(
            guardian.family.students.all(), classes, strict=False
        ):
            enrollment_add(student=student, klass=klass)
        assert (
            classes_for(organization=org, today=datetime.date(2026, 10, 1)).count()
            == count
        )
    client.force_login(guardian.user)
    client.get("/portal/swim/home/")
    with django_assert_max_num_queries(16):
        client.get("/portal/swim/home/")
