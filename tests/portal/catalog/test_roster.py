"""A class's roster in the admin: students, families, status, waitlist
positions and live holds; staff enroll and add to the waitlist with the seat
rules of the cart. Front desk may, marketing may not; another organization's
class is not found."""

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from portal.catalog.models import Class
from portal.enrollments.models import Enrollment, EnrollmentStatus
from portal.enrollments.services import enrollment_add, waitlist_join
from portal.tenancy.models import StaffRole
from portal.tenancy.services import staff_membership_create
from tests.factories import UserFactory, make_family, make_hold, make_organization
from tests.factories.cart import make_class

pytestmark = pytest.mark.django_db


def student_of(guardian, first_name=None):
    with scopes_disabled():
        students = guardian.family.students.all()
        if first_name:
            return students.get(first_name=first_name)
        return students.first()


def staff(organization, role=StaffRole.FRONT_DESK):
    user = UserFactory()
    staff_membership_create(organization=organization, user=user, role=role)
    return user


@pytest.fixture
def setup():
    alpha = make_organization(name="Alpha Swim", slug="alpha")
    klass = make_class(alpha, name="Guppies", capacity=2)
    rivera = make_family(alpha, last_name="Rivera", students=("Ana", "Ben", "Cy"))
    okafor = make_family(alpha, last_name="Okafor", students=("Dee",))
    return SimpleNamespace(
        alpha=alpha,
        klass=klass,
        ana=student_of(rivera, "Ana"),
        ben=student_of(rivera, "Ben"),
        cy=student_of(rivera, "Cy"),
        dee=student_of(okafor),
        desk=staff(alpha),
    )


def roster_url(klass):
    return reverse("class:roster", args=[klass.pk])


def statuses(klass):
    with scopes_disabled():
        return {
            e.student.first_name: e.status
            for e in Enrollment.objects.filter(klass=klass).exclude(status="dropped")
        }


def seats_taken(klass):
    with scopes_disabled():
        return Class.objects.get(pk=klass.pk).seats_taken


def refused(response):
    return response.status_code in (403, 404) or (
        response.status_code == 302
        and response["Location"] == reverse("wagtailadmin_home")
    )


def test_roster_shows_students_families_waitlist_and_live_holds(client, setup):
    now = timezone.now()
    with scopes_disabled():
        enrollment_add(student=setup.ana, klass=setup.klass)
        waitlist_join(student=setup.ben, klass=setup.klass)
        waitlist_join(student=setup.dee, klass=setup.klass)
    make_hold(
        setup.cy, klass=setup.klass, expires_at=now + datetime.timedelta(minutes=9)
    )
    other = make_family(setup.alpha, last_name="Expired", students=("Eve",))
    make_hold(
        student_of(other),
        klass=setup.klass,
        expires_at=now - datetime.timedelta(minutes=1),
    )
    client.force_login(setup.desk)
    html = client.get(roster_url(setup.klass)).content.decode()
    assert "Guppies" in html
    rows = html.split("<tbody>")
    students = rows[1].split("</tbody>")[0]
    assert (
        students.index("Ana Rivera")
        < students.index("Ben Rivera")
        < students.index("Dee Okafor")
    )
    assert "<td>Active</td>" in students and "<td>Waitlist</td>" in students
    ben_row = students.split("Ben Rivera")[1].split("</tr>")[0]
    dee_row = students.split("Dee Okafor")[1].split("</tr>")[0]
    assert "<td>1</td>" in ben_row and "<td>2</td>" in dee_row
    holds = rows[2].split("</tbody>")[0]
    assert "Cy Rivera" in holds
    assert (
        "Eve" not in html.split("Seats held in carts")[1].split("Enroll a student")[0]
    )
    # Capacity 2: Ana enrolled, Cy's seat held, none open.
    seats = html.split("Seats</h2>")[1].split("</dl>")[0]
    assert "<dt>Open</dt><dd>0</dd>" in seats
    assert "<dt>Held in carts</dt><dd>1</dd>" in seats


def test_front_desk_enrolls_a_student_of_any_family(client, setup):
    client.force_login(setup.desk)
    response = client.post(
        roster_url(setup.klass), {"student": setup.dee.pk, "enroll": ""}
    )
    assert response.status_code == 302
    assert statuses(setup.klass) == {"Dee": EnrollmentStatus.ACTIVE}
    assert seats_taken(setup.klass) == 1
    with scopes_disabled():
        assert Enrollment.objects.get(student=setup.dee).enrolled_by == setup.desk
    html = client.get(response["Location"]).content.decode()
    assert "Dee Okafor is enrolled." in html


def test_a_full_class_refuses_with_a_clear_message_and_saves_nothing(client, setup):
    now = timezone.now()
    with scopes_disabled():
        enrollment_add(student=setup.ana, klass=setup.klass)
    # The last seat is held in another family's cart: it counts.
    make_hold(
        setup.dee, klass=setup.klass, expires_at=now + datetime.timedelta(minutes=5)
    )
    client.force_login(setup.desk)
    response = client.post(
        roster_url(setup.klass), {"student": setup.ben.pk, "enroll": ""}
    )
    assert response.status_code == 200
    assert "Guppies is full." in response.content.decode()
    assert statuses(setup.klass) == {"Ana": EnrollmentStatus.ACTIVE}
    assert seats_taken(setup.klass) == 1

    response = client.post(
        roster_url(setup.klass), {"student": setup.ben.pk, "waitlist": ""}
    )
    assert response.status_code == 302
    assert statuses(setup.klass) == {"Ana": "active", "Ben": "waitlist"}


def test_an_expired_hold_frees_its_seat(client, setup):
    with scopes_disabled():
        enrollment_add(student=setup.ana, klass=setup.klass)
    make_hold(
        setup.dee,
        klass=setup.klass,
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    client.force_login(setup.desk)
    client.post(roster_url(setup.klass), {"student": setup.ben.pk, "enroll": ""})
    assert statuses(setup.klass) == {"Ana": "active", "Ben": "active"}


def test_a_waiting_student_takes_an_open_seat_and_leaves_the_waitlist(client, setup):
    with scopes_disabled():
        enrollment_add(student=setup.ana, klass=setup.klass)
        waitlist_join(student=setup.ben, klass=setup.klass)
        waitlist_join(student=setup.cy, klass=setup.klass)
    client.force_login(setup.desk)
    response = client.post(
        roster_url(setup.klass), {"student": setup.cy.pk, "enroll": ""}
    )
    assert response.status_code == 302
    assert statuses(setup.klass) == {"Ana": "active", "Ben": "waitlist", "Cy": "active"}
    assert seats_taken(setup.klass) == 2

    # Full now: Ben keeps his place on the waitlist.
    response = client.post(
        roster_url(setup.klass), {"student": setup.ben.pk, "enroll": ""}
    )
    assert response.status_code == 200
    assert "Guppies is full." in response.content.decode()
    assert statuses(setup.klass) == {"Ana": "active", "Ben": "waitlist", "Cy": "active"}
    html = client.get(roster_url(setup.klass)).content.decode()
    ben_row = html.split("Ben Rivera</td>")[1].split("</tr>")[0]
    assert "<td>1</td>" in ben_row


def test_an_enrolled_student_is_not_offered(client, setup):
    with scopes_disabled():
        enrollment_add(student=setup.ana, klass=setup.klass)
    client.force_login(setup.desk)
    response = client.post(
        roster_url(setup.klass), {"student": setup.ana.pk, "enroll": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["student"]
    assert f'value="{setup.ana.pk}"' not in response.content.decode()
    assert statuses(setup.klass) == {"Ana": "active"}
    assert seats_taken(setup.klass) == 1


def test_bad_input_is_refused_next_to_the_field(client, setup):
    bravo = make_organization(name="Bravo Gym", slug="bravo")
    stranger = student_of(make_family(bravo, students=("Zed",)))
    client.force_login(setup.desk)
    for data in ({"enroll": ""}, {"student": "nope"}, {"student": stranger.pk}):
        response = client.post(roster_url(setup.klass), data)
        assert response.status_code == 200
        assert response.context["form"].errors["student"]
    assert statuses(setup.klass) == {}
    with scopes_disabled():
        waitlist_join(student=setup.ana, klass=setup.klass)
    response = client.post(
        roster_url(setup.klass), {"student": setup.ana.pk, "waitlist": ""}
    )
    assert "Ana is already on the waitlist for Guppies." in response.content.decode()
    assert statuses(setup.klass) == {"Ana": "waitlist"}


def test_marketing_may_not_see_or_use_the_roster(client, setup):
    client.force_login(staff(setup.alpha, StaffRole.MARKETING))
    assert refused(client.get(roster_url(setup.klass)))
    response = client.post(
        roster_url(setup.klass), {"student": setup.dee.pk, "enroll": ""}
    )
    assert refused(response)
    assert statuses(setup.klass) == {}


def test_managers_use_it_and_the_class_screens_link_to_it(client, setup):
    client.force_login(staff(setup.alpha, StaffRole.MANAGER))
    assert client.get(roster_url(setup.klass)).status_code == 200
    url = roster_url(setup.klass)
    assert (
        url in client.get(reverse("class:edit", args=[setup.klass.pk])).content.decode()
    )
    assert url in client.get(reverse("class:index")).content.decode()


def test_another_organizations_class_is_not_found(client, setup):
    bravo = make_organization(name="Bravo Gym", slug="bravo")
    theirs = make_class(bravo, name="Bravo Sharks")
    bravo_kid = student_of(make_family(bravo, students=("Zed",)))
    client.force_login(setup.desk)
    assert client.get(roster_url(theirs)).status_code == 404
    response = client.post(roster_url(theirs), {"student": bravo_kid.pk, "enroll": ""})
    assert response.status_code == 404
    assert statuses(theirs) == {}


def test_roster_queries_do_not_grow(client, setup, django_assert_max_num_queries):
    client.force_login(setup.desk)
    client.get(roster_url(setup.klass))  # warm caches (menus, permissions)

    def fill(n):
        now = timezone.now()
        for i in range(n):
            guardian = make_family(setup.alpha, students=(f"Kid{i}", f"Sib{i}"))
            kid, sib = (
                student_of(guardian, f"Kid{i}"),
                student_of(guardian, f"Sib{i}"),
            )
            with scopes_disabled():
                Class.objects.filter(pk=setup.klass.pk).update(capacity=100)
                enrollment_add(student=kid, klass=setup.klass)
                waitlist_join(student=sib, klass=setup.klass)
            make_hold(
                student_of(make_family(setup.alpha, students=(f"Hold{i}",))),
                klass=setup.klass,
                expires_at=now + datetime.timedelta(minutes=10),
            )

    fill(1)
    with django_assert_max_num_queries(100) as small:
        assert client.get(roster_url(setup.klass)).status_code == 200
    fill(6)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(roster_url(setup.klass))
    assert response.content.decode().count("Kid") >= 7
