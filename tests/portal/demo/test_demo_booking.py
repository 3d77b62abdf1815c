"""What the demo offers for trying enrolment and payment: the sandbox
gateway, a full class with a waitlist, a class opening tomorrow, and the demo
parent's saved sandbox methods."""

import datetime
import zoneinfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from portal.billing.gateways import gateway_for
from portal.billing.models import PaymentMethod, SandboxToken
from portal.catalog.models import Class
from portal.catalog.selectors import class_eligibility, class_seats
from portal.demo.booking import FULL_CLASS, OPENS_TOMORROW_CLASS
from portal.enrollments.models import Enrollment
from portal.enrollments.selectors import waitlist_position
from portal.families.models import Student
from portal.tenancy.models import Organization, PortalMode

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo")
    return Organization.objects.get(slug="demo")


def test_demo_pays_through_the_sandbox_with_saved_methods(demo):
    gateway = gateway_for(demo)
    assert gateway is not None and gateway.name == "sandbox"
    settings = demo.portal_settings
    assert settings.mode == PortalMode.ACTIVE
    assert settings.accept_cards and settings.accept_echecks
    # The demo parent: a default Visa authorized for recurring billing, and
    # a bank account.
    with scopes_disabled():
        methods = list(
            PaymentMethod.objects.filter(guardian__user__email="parent@example.com")
        )
        tokens = set(SandboxToken.objects.values_list("token", flat=True))
    assert [(m.kind, m.brand, m.last4) for m in methods] == [
        ("card", "Visa", "4242"),
        ("bank", "Sandbox Test Bank", "6789"),
    ]
    card, bank = methods
    assert card.is_default and card.recurring_authorized
    assert card.exp_year > timezone.now().year and card.exp_month == 12
    assert not bank.is_default
    # Stored methods are the sandbox's own reusable tokens, never numbers.
    assert {card.token, bank.token} <= tokens
    assert all(m.gateway == "sandbox" for m in methods)


def test_demo_classes_to_try_the_waitlist_and_registration_opening(demo):
    with scopes_disabled():
        klass = Class.objects.get(organization=demo, name=FULL_CLASS)
        seats = class_seats(klass=klass)
        assert (seats.capacity, seats.enrolled, seats.open) == (2, 2, 0)
        assert klass.seats_taken == 2 and klass.waitlist_allowed
        waiting = Enrollment.objects.get(klass=klass, status="waitlist")
        assert waitlist_position(waiting) == 1
        assert waiting.student.family.name != "Rivera"
        # The demo parent's Mia may join the waitlist.
        mia = Student.objects.get(first_name="Mia")
        assert class_eligibility(klass=klass, student=mia).ok

    # A class opening for registration tomorrow.
    with scopes_disabled():
        klass = Class.objects.select_related("location").get(
            organization=demo, name=OPENS_TOMORROW_CLASS
        )
        mia = Student.objects.get(first_name="Mia")
    zone = zoneinfo.ZoneInfo(klass.location.time_zone)
    opens = klass.registration_opens_at.astimezone(zone)
    today_there = timezone.now().astimezone(zone).date()
    assert opens.date() == today_there + datetime.timedelta(days=1)
    assert opens.time() == datetime.time(9, 0)
    assert class_eligibility(klass=klass, student=mia).reasons == ("not_open",)
    later = klass.registration_opens_at + datetime.timedelta(minutes=1)
    assert class_eligibility(klass=klass, student=mia, now=later).ok
