"""A cart item, like an enrollment, is for exactly one class, camp or party."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from portal.cart.models import Cart, CartItem
from portal.catalog.models import Class, Event, Program
from portal.enrollments.models import Enrollment
from tests.factories import make_family, make_organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    org = make_organization(slug="swim")
    guardian = make_family(org, students=("Mia",))
    with scopes_disabled():
        location = org.locations.get()
        program = Program.objects.create(organization=org, name="Swim")
        today = datetime.date(2026, 9, 1)
        klass = Class.objects.create(
            organization=org,
            name="Tadpoles",
            program=program,
            location=location,
            season_start=today,
            season_end=today + datetime.timedelta(days=90),
        )
        event = Event.objects.create(
            organization=org,
            name="Camp",
            location=location,
            start_date=today,
            end_date=today,
            daily_start=datetime.time(9),
            daily_end=datetime.time(15),
            price=100,
        )
        cart = Cart.objects.create(organization=org, family=guardian.family)
        student = guardian.family.students.get()
    return {
        "org": org,
        "klass": klass,
        "event": event,
        "cart": cart,
        "student": student,
    }


@pytest.mark.parametrize(
    "offerings", [{}, {"klass": True, "event": True}], ids=["none", "two"]
)
def test_cart_item_needs_exactly_one_offering(setup, offerings):
    fields = {name: setup[name] for name in offerings}
    with scopes_disabled(), pytest.raises(IntegrityError), transaction.atomic():
        CartItem.objects.create(
            organization=setup["org"],
            cart=setup["cart"],
            student=setup["student"],
            expires_at=timezone.now(),
            **fields,
        )


@pytest.mark.parametrize(
    "offerings", [{}, {"klass": True, "event": True}], ids=["none", "two"]
)
def test_enrollment_needs_exactly_one_offering(setup, offerings):
    fields = {name: setup[name] for name in offerings}
    with scopes_disabled(), pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(
            organization=setup["org"], student=setup["student"], **fields
        )


def test_one_offering_is_accepted(setup):
    with scopes_disabled():
        item = CartItem.objects.create(
            organization=setup["org"],
            cart=setup["cart"],
            student=setup["student"],
            klass=setup["klass"],
            expires_at=timezone.now(),
        )
    assert str(item) == f"{setup['student']} – Tadpoles"
