"""A parent enrolls and pays in a browser: Enroll, the cart with its
countdown, checkout through the sandbox gateway's own page, the receipt."""

import datetime
import logging
import re
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from portal.billing.models import PaymentMethod
from portal.cart.models import CartItem
from portal.catalog.models import Event, Program
from portal.catalog.services import class_create, record_create
from portal.enrollments.models import Enrollment, EnrollmentStatus
from portal.enrollments.services import enrollment_add
from tests.factories import make_family, make_hold, make_organization
from tests.factories.billing import make_gateway_account

from .support import BROWSER, DESKTOP, PHONE, assert_no_axe_violations
from .test_payment_methods import card_like_numbers, every_stored_text

pytestmark = BROWSER

EMAIL = "jo@example.com"


def build(*, capacity=6, waitlist_allowed=True):
    """Swim School (sandbox gateway) with one class, one camp sold by the day
    and a family with Ava (8) and Tot (2)."""
    organization = make_organization(name="Swim School", slug="swim")
    make_gateway_account(organization)
    today = timezone.localdate()
    with scopes_disabled():
        location = organization.locations.get()
        program = record_create(Program, organization=organization, name="Swim")
        klass = class_create(
            organization=organization,
            name="Sharks",
            program=program,
            location=location,
            season_start=today + datetime.timedelta(days=14),
            season_end=today + datetime.timedelta(days=120),
            min_age_years=5,
            max_age_years=10,
            capacity=capacity,
            waitlist_allowed=waitlist_allowed,
            tuition=Decimal("80.00"),
            registration_fee=Decimal("25.00"),
            schedules=[
                {
                    "weekday": 2,
                    "start_time": datetime.time(17),
                    "end_time": datetime.time(17, 45),
                }
            ],
        )
        camp = record_create(
            Event,
            organization=organization,
            name="Winter Splash Camp",
            location=location,
            start_date=today + datetime.timedelta(days=20),
            end_date=today + datetime.timedelta(days=22),
            daily_start=datetime.time(9),
            daily_end=datetime.time(15),
            price=Decimal("150.00"),
            price_per_day=Decimal("60.00"),
            min_age_years=5,
            max_age_years=12,
        )
    guardian = make_family(organization, email=EMAIL, students=("Ava",))
    with scopes_disabled():
        from portal.families.services import student_create

        student_create(
            family=guardian.family,
            first_name="Tot",
            last_name=guardian.last_name,
            date_of_birth=today - datetime.timedelta(days=700),
        )
    return organization, klass, camp, guardian


def log_in(page):
    page.get_by_label(re.compile("^Email")).fill(EMAIL)
    page.get_by_label(re.compile("^Password")).fill("correct-horse-9")
    page.get_by_role("button", name="Log In").click()


def choose(page, name):
    page.get_by_role("radio", name=name).check()


def type_card(page, number):
    frame = page.frame_locator("iframe.gateway-frame")
    frame.get_by_label("Card number").fill(number)
    frame.get_by_label("Expiry (MM/YY)").fill("12/34")
    frame.get_by_label("Security code (CVC)").fill("123")
    frame.get_by_role("button", name="Continue").click()
    expect(page.locator("[data-gateway-status]")).to_contain_text("✓")


def items_of(guardian):
    with scopes_disabled():
        return list(CartItem.objects.filter(cart__family=guardian.family))


def test_enroll_in_a_class_and_a_camp_paying_with_a_new_card(page, portal_url, caplog):
    caplog.set_level(logging.DEBUG)
    _organization, klass, camp, guardian = build()
    page.goto(portal_url("swim", f"booking/classes/{klass.pk}/"))
    page.get_by_role("link", name="Enroll in Sharks").click()
    # Not logged in: Log In, then back to the same class.
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    log_in(page)
    expect(page).to_have_url(re.compile(rf"/cart/add/\?class={klass.pk}$"))
    expect(page.get_by_role("radio", name=re.compile("Tot"))).to_be_disabled()
    expect(page.get_by_text("Too young for this class")).to_be_visible()
    choose(page, re.compile("Ava"))
    page.get_by_role("button", name="Add to Cart").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(page.get_by_role("heading", name="Sharks")).to_be_visible()
    expect(page.locator(".toolbar-cart")).to_contain_text("1 item")

    page.goto(portal_url("swim", f"booking/events/{camp.pk}/"))
    page.get_by_role("link", name="Enroll in Winter Splash Camp").click()
    choose(page, re.compile("Ava"))
    choose(page, re.compile("Chosen days"))
    page.get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Add to Cart").click()
    expect(page.locator(".toolbar-cart")).to_contain_text("2 items")
    expect(page.get_by_text("1 chosen day", exact=True)).to_be_visible()
    expect(page.get_by_text("$60.00").first).to_be_visible()

    page.get_by_role("link", name="Check Out").click()
    expect(page.get_by_role("heading", name="Amount due today")).to_be_visible()
    type_card(page, "4242 4242 4242 4242")
    page.get_by_label("Save this payment method for next time").check()
    page.get_by_role("button", name="Pay and Enroll").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    expect(page.get_by_text("Visa •••• 4242")).to_be_visible()
    expect(page.get_by_role("heading", name="Sharks")).to_be_visible()
    expect(page.get_by_role("heading", name="Winter Splash Camp")).to_be_visible()
    with scopes_disabled():
        assert (
            Enrollment.objects.filter(
                student__family=guardian.family, status=EnrollmentStatus.ACTIVE
            ).count()
            == 2
        )
        saved = PaymentMethod.objects.get(guardian=guardian)
        assert saved.last4 == "4242"
    assert items_of(guardian) == []
    # The card number went to the gateway's page only: no table and no log
    # line holds it or any other card-like number.
    for where, text in (("database", every_stored_text()), ("logs", caplog.text)):
        assert card_like_numbers(text) == [], where
        assert "4242424242424242" not in text.replace(" ", ""), where


def test_declined_card_says_why_and_keeps_the_hold(page, portal_url):
    _organization, klass, _camp, guardian = build()
    page.goto(portal_url("swim", "login/"))
    log_in(page)
    page.goto(portal_url("swim", f"cart/add/?class={klass.pk}"))
    choose(page, re.compile("Ava"))
    page.get_by_role("button", name="Add to Cart").click()
    page.get_by_role("link", name="Check Out").click()
    type_card(page, "4000 0000 0000 0002")
    page.get_by_role("button", name="Pay and Enroll").click()
    error = page.locator("#method-error")
    expect(error).to_contain_text("declined")
    # The reason is inside the payment fields' group.
    expect(page.locator("fieldset.payment-fields #method-error")).to_be_visible()
    (item,) = items_of(guardian)
    assert item.klass_id == klass.pk and item.expires_at > timezone.now()
    with scopes_disabled():
        assert not Enrollment.objects.filter(student__family=guardian.family).exists()


def test_countdown_runs_and_an_expired_hold_says_so(page, portal_url):
    _organization, klass, _camp, guardian = build()
    with scopes_disabled():
        ava = guardian.family.students.get(first_name="Ava")
    item = make_hold(
        ava, klass=klass, expires_at=timezone.now() + datetime.timedelta(seconds=4)
    )
    page.goto(portal_url("swim", "login/"))
    log_in(page)
    page.goto(portal_url("swim", "cart/"))
    timer = page.locator(".toolbar-cart .cart-countdown")
    expect(timer).to_have_text(re.compile(r"^0:0[1-4]$"))
    expect(timer).to_have_text("Time is up", timeout=8_000)
    page.reload()
    expect(page.get_by_text("Your hold on this seat has expired")).to_be_visible()
    page.get_by_role("button", name="Renew the hold for Ava").click()
    expect(page.get_by_text("The seat is held for you again.")).to_be_visible()
    timer = page.locator(".toolbar-cart .cart-countdown")
    first = timer.inner_text()
    assert re.fullmatch(r"1[45]:\d\d", first)
    expect(timer).not_to_have_text(first, timeout=3_000)
    with scopes_disabled():
        item.refresh_from_db()
    assert item.expires_at > timezone.now() + datetime.timedelta(minutes=14)


def test_join_waitlist_shows_the_position(page, portal_url):
    _organization, klass, _camp, _guardian = build(capacity=1)
    with scopes_disabled():
        other = make_family(_organization, students=("Zed",)).family.students.get()
        enrollment_add(student=other, klass=klass)
    page.goto(portal_url("swim", f"booking/classes/{klass.pk}/"))
    page.get_by_role("link", name="Join Waitlist for Sharks").click()
    log_in(page)
    choose(page, re.compile("Ava"))
    page.get_by_role("button", name="Join Waitlist").click()
    page.get_by_role("link", name="Check Out").click()
    expect(page.get_by_text("Nothing is due today")).to_be_visible()
    expect(page.locator("iframe.gateway-frame")).to_have_count(0)
    page.get_by_role("button", name="Enroll").click()
    expect(page.get_by_text("Waitlist position 1")).to_be_visible()


def test_cart_and_checkout_have_no_axe_violations(new_context, portal_url, axe):
    _organization, klass, _camp, guardian = build()
    with scopes_disabled():
        ava = guardian.family.students.get(first_name="Ava")
    make_hold(ava, klass=klass, expires_at=timezone.now() + datetime.timedelta(hours=1))
    for viewport in (DESKTOP, PHONE):
        page = new_context(viewport=viewport).new_page()
        page.goto(portal_url("swim", "login/"))
        log_in(page)
        for path in ("cart/", "checkout/", f"cart/add/?class={klass.pk}"):
            page.goto(portal_url("swim", path))
            expect(page.locator("main h1")).to_be_visible()
            assert_no_axe_violations(axe, page, f"{path} at {viewport['width']} px")
        page.context.close()
