"""The class list's openings come from the stored Class.seats_taken (kept by
the enrollment services) and the live holds: they must equal what the real
rows say after enrollments and drops."""

import datetime
import re

import pytest
import time_machine
from django_scopes import scopes_disabled

from portal.enrollments.models import Enrollment, EnrollmentStatus
from portal.enrollments.selectors import seats_taken_mismatches
from portal.enrollments.services import enrollment_add, enrollment_drop
from tests.factories import make_family, make_hold, make_organization

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 10, 5, 15, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def org():
    return make_organization(slug="swim", locations=2)


def cards(response):
    """{class name: its card's openings text} in the order listed."""
    html = response.content.decode()
    found = {}
    for chunk in html.split('class="card-title">')[1:]:
        name = re.match(r"<a [^>]*>([^<]*)</a>", chunk).group(1)
        card = chunk.split("</a>", 1)[1].split("</li>")[0]
        match = re.search(r"(\d+) openings?|Full – waitlist available|Full", card)
        found[name] = match.group(0) if match else ""
    return found


def real_open(klass, held=0):
    """Open seats counted from the rows themselves."""
    with scopes_disabled():
        active = Enrollment.objects.filter(
            klass=klass, status=EnrollmentStatus.ACTIVE
        ).count()
    return max(klass.capacity - active - held, 0)


def label(n):
    return f"{n} opening" if n == 1 else f"{n} openings"


def test_openings_equal_the_real_count_after_enrollments_and_drops(
    client, org, catalog
):
    tots, kids, full = catalog["tots"], catalog["kids"], catalog["full"]
    with scopes_disabled():
        family = make_family(org, email="dad@example.com", students=("C", "D", "E"))
        c, d, e = family.family.students.order_by("pk")
        for student in (c, d, e):
            enrollment_add(student=student, klass=tots)
        enrollment_drop(
            enrollment=Enrollment.objects.get(student=d, klass=tots), by=None
        )
        # The full class's only seat is given back.
        enrollment_drop(enrollment=Enrollment.objects.get(klass=full), by=None)

    listed = cards(client.get("/portal/swim/booking/classes/?openings=on"))
    assert listed["Tiny Tots"] == label(real_open(tots)) == "6 openings"
    assert listed["Kids Swim"] == label(real_open(kids)) == "1 opening"
    assert listed["Full Class"] == label(real_open(full)) == "1 opening"
    with scopes_disabled():
        assert seats_taken_mismatches(organization=org) == []

    # Enrolled again: the class is full and leaves the "openings only" list,
    # though it is still in the plain list.
    with scopes_disabled():
        enrollment_add(student=e, klass=full)
    assert real_open(full) == 0
    assert "Full Class" not in cards(
        client.get("/portal/swim/booking/classes/?openings=on")
    )
    assert cards(client.get("/portal/swim/booking/classes/"))["Full Class"] == "Full"


def test_live_holds_count_with_the_stored_seats(client, org, catalog):
    tots, kids = catalog["tots"], catalog["kids"]  # 8 seats free; 1 of 2 free
    with scopes_disabled():
        family = make_family(org, email="dad@example.com", students=("C", "D"))
        c, d = family.family.students.order_by("pk")
    soon = TODAY + datetime.timedelta(minutes=10)
    make_hold(c, klass=kids, expires_at=soon)
    make_hold(d, klass=tots, expires_at=soon)

    listed = cards(client.get("/portal/swim/booking/classes/?openings=on"))
    assert "Kids Swim" not in listed  # its last seat is held
    assert listed["Tiny Tots"] == label(real_open(tots, held=1)) == "7 openings"

    with time_machine.travel(soon + datetime.timedelta(seconds=1), tick=False):
        listed = cards(client.get("/portal/swim/booking/classes/?openings=on"))
    assert listed["Kids Swim"] == "1 opening"
    assert listed["Tiny Tots"] == "8 openings"
