"""Enrollment services keep the stored seat count; the check finds drift."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from portal.catalog.models import Class
from portal.enrollments.errors import EnrollmentError
from portal.enrollments.models import EnrollmentStatus
from portal.enrollments.selectors import (
    class_roster,
    seats_taken_mismatches,
    waitlist_position,
)
from portal.enrollments.services import enrollment_add, enrollment_drop, waitlist_join
from tests.factories import make_family, make_hold, make_organization
from tests.factories.cart import make_class

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return make_organization(slug="swim")


def kids(org, *names):
    family = make_family(org, students=names).family
    with scopes_disabled():
        return list(family.students.order_by("first_name"))


def taken(klass):
    return Class.objects.get(pk=klass.pk).seats_taken


def test_active_enrollments_and_drops_keep_the_stored_count(org, unscoped):
    klass = make_class(org, capacity=3)
    ann, bob = kids(org, "Ann", "Bob")
    first = enrollment_add(student=ann, klass=klass)
    enrollment_add(student=bob, klass=klass)
    assert taken(klass) == 2
    enrollment_drop(enrollment=first)
    enrollment_drop(enrollment=first)  # twice: the seat is given back once
    assert taken(klass) == 1
    assert seats_taken_mismatches(organization=org) == []


def test_waitlist_takes_no_seat_and_keeps_its_order(org, unscoped):
    klass = make_class(org, capacity=1)
    ann, bob, cat = kids(org, "Ann", "Bob", "Cat")
    enrollment_add(student=ann, klass=klass)
    second = waitlist_join(student=bob, klass=klass)
    third = waitlist_join(student=cat, klass=klass)
    assert second.status == EnrollmentStatus.WAITLIST
    assert taken(klass) == 1
    assert (waitlist_position(second), waitlist_position(third)) == (1, 2)
    enrollment_drop(enrollment=second)
    third.refresh_from_db()
    assert waitlist_position(third) == 1
    with pytest.raises(EnrollmentError) as error:
        waitlist_join(student=ann, klass=klass)
    assert str(error.value.message) == f"Ann is already enrolled in {klass.name}."
    with pytest.raises(EnrollmentError) as error:
        waitlist_join(student=cat, klass=klass)
    assert error.value.code == "already_waitlisted"


def test_no_waitlist_when_the_class_has_none(org, unscoped):
    klass = make_class(org, capacity=1, waitlist_allowed=False)
    (ann,) = kids(org, "Ann")
    with pytest.raises(EnrollmentError) as error:
        waitlist_join(student=ann, klass=klass)
    assert error.value.code == "no_waitlist"


def test_staff_enrolling_with_seat_rules_refuses_a_full_class(org, unscoped):
    klass = make_class(org, capacity=2)
    ann, bob, cat = kids(org, "Ann", "Bob", "Cat")
    enrollment_add(student=ann, klass=klass, check_seats=True)
    make_hold(
        bob, klass=klass, expires_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    with pytest.raises(EnrollmentError) as error:
        enrollment_add(student=cat, klass=klass, check_seats=True)
    assert str(error.value.message) == f"{klass.name} is full."
    with pytest.raises(EnrollmentError):
        enrollment_add(student=ann, klass=klass, check_seats=True)
    assert taken(klass) == 1


def test_mismatch_check_and_command(org, unscoped):
    good, bad = make_class(org), make_class(org)
    (ann,) = kids(org, "Ann")
    enrollment_add(student=ann, klass=good)
    Class.objects.filter(pk=bad.pk).update(seats_taken=4)
    wrong = seats_taken_mismatches(organization=org)
    assert [(k.pk, k.seats_taken, k.real_taken) for k in wrong] == [(bad.pk, 4, 0)]
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_seat_counts", stdout=out)
    assert f"class {bad.pk} {bad.name}: stored 4, real 0" in out.getvalue()
    call_command("check_seat_counts", "--fix", stdout=StringIO())
    assert taken(bad) == 0 and taken(good) == 1
    out = StringIO()
    call_command("check_seat_counts", stdout=out)
    assert "all correct" in out.getvalue()


def test_roster_lists_students_waitlist_and_live_holds(org, unscoped):
    klass = make_class(org, capacity=3)
    ann, bob = kids(org, "Ann", "Bob")
    (cat,), (dan,) = kids(org, "Cat"), kids(org, "Dan")  # make_hold: a cart each
    enrollment_add(student=ann, klass=klass)
    waitlist_join(student=bob, klass=klass)
    now = timezone.now()
    make_hold(cat, klass=klass, expires_at=now + datetime.timedelta(minutes=5))
    make_hold(dan, klass=klass, expires_at=now - datetime.timedelta(minutes=5))
    roster = class_roster(organization=org, klass=klass, now=now)
    assert [e.student.first_name for e in roster.active] == ["Ann"]
    assert [(e.student.first_name, e.position) for e in roster.waitlist] == [("Bob", 1)]
    assert [h.student.first_name for h in roster.holds] == ["Cat"]
    assert roster.open_seats == 1
    assert roster.active[0].student.family.name


def test_roster_of_another_organizations_class_is_refused(org, unscoped):
    elsewhere = make_class(make_organization(slug="gym"))
    with pytest.raises(Exception) as error:
        class_roster(organization=org, klass=elsewhere)
    assert "DoesNotExist" in type(error.value).__name__
