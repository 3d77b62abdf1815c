"""The parent's cart screens: Enroll, the cart, checkout and its receipt.

The location is in Chicago (UTC-5 until 1 November 2026, then UTC-6); the
server's zone is UTC, so every time a parent reads must be Chicago's."""

import datetime
import re
from decimal import Decimal
from urllib.parse import quote

import pytest
import time_machine
from django_scopes import scopes_disabled

from portal.billing.models import LedgerEntry, Payment, PaymentStatus
from portal.cart.models import CartItem
from portal.catalog.models import Event, PartyPackage, PartySlot, Program
from portal.catalog.services import class_create, record_create
from portal.enrollments.models import Enrollment, EnrollmentStatus
from portal.enrollments.services import enrollment_add
from tests.factories import make_family, make_hold, make_organization, make_policy
from tests.factories.billing import make_gateway_account, make_payment_method

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NBSP = "\u00a0"
NOW = datetime.datetime(2026, 10, 5, 15, tzinfo=UTC)  # Monday 10 AM in Chicago


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def build_org(slug, name="Swim School"):
    organization = make_organization(name=name, slug=slug)
    with scopes_disabled():
        organization.locations.update(time_zone="America/Chicago")
    make_gateway_account(organization)
    return organization


@pytest.fixture
def org():
    return build_org("swim")


@pytest.fixture
def other_org():
    return build_org("gym", name="Gym")


def make_class(org, name, **fields):
    with scopes_disabled():
        program, _ = Program.objects.get_or_create(
            organization=org, name="Swim", defaults={"sort_order": 1}
        )
        fields = {
            "capacity": 4,
            "tuition": Decimal("80.00"),
            "registration_fee": Decimal("25.00"),
            "min_age_years": 5,
            "max_age_years": 10,
            **fields,
        }
        return class_create(
            organization=org,
            name=name,
            program=program,
            location=org.locations.get(),
            season_start=datetime.date(2026, 9, 1),
            season_end=datetime.date(2026, 12, 20),
            schedules=[
                {
                    "weekday": 0,
                    "start_time": datetime.time(17),
                    "end_time": datetime.time(17, 45),
                }
            ],
            **fields,
        )


def make_camp(org, **fields):
    with scopes_disabled():
        return record_create(
            Event,
            organization=org,
            name=fields.pop("name", "Winter Splash Camp"),
            location=org.locations.get(),
            start_date=datetime.date(2026, 10, 19),
            end_date=datetime.date(2026, 10, 21),
            daily_start=datetime.time(9),
            daily_end=datetime.time(15),
            price=Decimal("150.00"),
            price_per_day=Decimal("60.00"),
            min_age_years=5,
            max_age_years=12,
            **fields,
        )


def make_party(org):
    with scopes_disabled():
        package = record_create(
            PartyPackage,
            organization=org,
            name="Pool Party",
            price=Decimal("300.00"),
            deposit=Decimal("50.00"),
        )
        slot = record_create(
            PartySlot,
            organization=org,
            location=org.locations.get(),
            # 6 PM UTC on 10 October is 1 PM in Chicago.
            starts_at=datetime.datetime(2026, 10, 10, 18, tzinfo=UTC),
        )
    return package, slot


@pytest.fixture
def family(org):
    guardian = make_family(org, email="mom@example.com", students=("Ava",))
    with scopes_disabled():
        from portal.families.services import student_create

        student_create(
            family=guardian.family,
            first_name="Tot",
            last_name=guardian.last_name,
            date_of_birth=datetime.date(2024, 5, 1),
        )
    return guardian


@pytest.fixture
def parent(client, family):
    client.force_login(family.user)
    return client


def student(family, name):
    with scopes_disabled():
        return family.family.students.get(first_name=name)


def items_of(family):
    with scopes_disabled():
        return list(CartItem.objects.filter(cart__family=family.family))


def add(client, **data):
    return client.post("/portal/swim/cart/add/", data)


# Enroll buttons on the booking pages -----------------------------------------


def test_class_list_and_detail_offer_enroll_waitlist_or_full(client, org, family):
    open_class = make_class(org, "Open Class")
    waitlist = make_class(org, "Waitlist Class", capacity=1)
    full = make_class(org, "Full Class", capacity=1, waitlist_allowed=False)
    make_class(
        org,
        "Later Class",
        registration_opens_at=datetime.datetime(2026, 11, 2, 15, tzinfo=UTC),
    )
    with scopes_disabled():
        other = make_family(org, students=("Zed",)).family.students.get()
        enrollment_add(student=other, klass=waitlist)
        enrollment_add(student=other, klass=full)
    html = client.get("/portal/swim/booking/classes/").content.decode()
    assert f'href="/portal/swim/cart/add/?class={open_class.pk}"' in html
    card = html.split("Waitlist Class")[1].split("</li>")[0]
    assert "Join Waitlist" in card and f"?class={waitlist.pk}" in card
    full_card = html.split("Full Class")[1].split("</li>")[0]
    assert "cart/add" not in full_card and ">Full</span>" in full_card
    later_card = html.split("Later Class")[1].split("</li>")[0]
    assert "cart/add" not in later_card
    assert f"Registration opens Nov 2, 2026, 9:00{NBSP}AM" in later_card

    detail = client.get(f"/portal/swim/booking/classes/{full.pk}/").content.decode()
    assert "cart/add" not in detail and ">Full</span>" in detail
    detail = client.get(f"/portal/swim/booking/classes/{open_class.pk}/")
    assert f"/portal/swim/cart/add/?class={open_class.pk}" in detail.content.decode()


def test_find_results_carry_the_student_to_enroll(parent, org, family):
    klass = make_class(org, "Kids Swim")
    ava = student(family, "Ava")
    html = parent.get(f"/portal/swim/booking/find/?student={ava.pk}").content.decode()
    assert f"/portal/swim/cart/add/?class={klass.pk}&amp;student={ava.pk}" in html


def test_camps_and_party_times_link_to_enroll(client, org):
    camp = make_camp(org)
    package, slot = make_party(org)
    assert f"/portal/swim/cart/add/?event={camp.pk}" in (
        client.get(f"/portal/swim/booking/events/{camp.pk}/").content.decode()
    )
    assert f"/portal/swim/cart/add/?event={camp.pk}" in (
        client.get("/portal/swim/booking/events/").content.decode()
    )
    html = client.get(f"/portal/swim/booking/parties/?package={package.pk}")
    assert (
        f"/portal/swim/cart/add/?package={package.pk}&amp;slot={slot.pk}"
        in html.content.decode()
    )


# Enroll page ------------------------------------------------------------------


def test_anonymous_enroll_logs_in_and_comes_back_to_the_class(client, org, family):
    klass = make_class(org, "Kids Swim")
    target = f"/portal/swim/cart/add/?class={klass.pk}"
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"] == f"/portal/swim/login/?next={quote(target, safe='')}"
    login = client.get(response["Location"]).content.decode()
    assert f'name="next" value="{target}"' in login.replace("&amp;", "&")
    response = client.post(
        response["Location"],
        {"email": "mom@example.com", "password": "correct-horse-9", "next": target},
    )
    assert response.status_code == 302 and response["Location"] == target
    assert "Ava" in client.get(target).content.decode()


def test_login_does_not_follow_next_outside_the_portal(client, org, family):
    response = client.post(
        "/portal/swim/login/",
        {
            "email": "mom@example.com",
            "password": "correct-horse-9",
            "next": "https://evil.example.com/portal/swim/",
        },
    )
    assert response["Location"] == "/portal/swim/home/"


def test_enroll_page_lists_students_with_eligibility(parent, org, family):
    klass = make_class(org, "Kids Swim")
    ava, tot = student(family, "Ava"), student(family, "Tot")
    html = parent.get(f"/portal/swim/cart/add/?class={klass.pk}").content.decode()
    assert re.search(rf'value="{ava.pk}"(?![^>]*disabled)', html)
    assert re.search(rf'value="{tot.pk}" disabled', html)
    assert "Too young for this class" in html
    assert "Add to Cart" in html


def test_enroll_holds_the_seat_for_the_reservation_time(parent, org, family):
    klass = make_class(org, "Kids Swim")
    ava = student(family, "Ava")
    response = add(parent, **{"class": klass.pk, "student": ava.pk})
    assert response.status_code == 302
    assert response["Location"] == "/portal/swim/cart/"
    (item,) = items_of(family)
    assert item.student_id == ava.pk and item.klass_id == klass.pk
    assert item.expires_at == NOW + datetime.timedelta(minutes=15)
    assert not item.waitlist


def test_ineligible_student_is_refused_with_the_reason(parent, org, family):
    klass = make_class(org, "Kids Swim")
    tot = student(family, "Tot")
    response = add(parent, **{"class": klass.pk, "student": tot.pk})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Too young for this class" in html
    assert 'class="field-error" id="student-error"' in html
    assert items_of(family) == []


def test_no_student_chosen_says_so_and_saves_nothing(parent, org, family):
    klass = make_class(org, "Kids Swim")
    response = add(parent, **{"class": klass.pk})
    assert response.status_code == 400
    assert "Choose a student." in response.content.decode()
    assert items_of(family) == []


def test_another_familys_student_cannot_be_chosen(parent, org, family):
    klass = make_class(org, "Kids Swim")
    with scopes_disabled():
        zed = make_family(org, students=("Zed",)).family.students.get()
    response = add(parent, **{"class": klass.pk, "student": zed.pk})
    assert response.status_code == 400
    assert "Choose a student." in response.content.decode()
    assert items_of(family) == []


def test_registration_not_open_shows_when_in_the_locations_zone(parent, org, family):
    klass = make_class(
        org,
        "Winter Guppies",
        # 3 PM UTC on 2 November is 9 AM in Chicago (CST).
        registration_opens_at=datetime.datetime(2026, 11, 2, 15, tzinfo=UTC),
    )
    html = parent.get(f"/portal/swim/cart/add/?class={klass.pk}").content.decode()
    assert "Registration opens <time" in html
    assert f"Nov 2, 2026, 9:00{NBSP}AM" in html
    assert 'datetime="2026-11-02T09:00:00-06:00"' in html
    assert "Add to Cart" not in html
    response = add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    assert response.status_code == 400
    assert items_of(family) == []


def test_full_class_with_waitlist_joins_the_waitlist(parent, org, family):
    klass = make_class(org, "Kids Swim", capacity=1)
    with scopes_disabled():
        zed = make_family(org, students=("Zed",)).family.students.get()
        enrollment_add(student=zed, klass=klass)
    html = parent.get(f"/portal/swim/cart/add/?class={klass.pk}").content.decode()
    assert "Join Waitlist" in html and "Add to Cart" not in html
    add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    (item,) = items_of(family)
    assert item.waitlist


def test_full_class_without_waitlist_says_full(parent, org, family):
    klass = make_class(org, "Kids Swim", capacity=1, waitlist_allowed=False)
    with scopes_disabled():
        zed = make_family(org, students=("Zed",)).family.students.get()
        enrollment_add(student=zed, klass=klass)
    html = parent.get(f"/portal/swim/cart/add/?class={klass.pk}").content.decode()
    assert (
        ">Full</span>" in html
        and '<form method="post" action="/portal/swim/cart/add/"' not in html
    )
    add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    assert items_of(family) == []


def test_camp_whole_or_chosen_days(parent, org, family):
    camp = make_camp(org)
    ava = student(family, "Ava")
    html = parent.get(f"/portal/swim/cart/add/?event={camp.pk}").content.decode()
    assert 'name="day" value="2026-10-19"' in html
    assert "Monday, October 19, 2026" in html
    response = add(
        parent,
        event=camp.pk,
        student=ava.pk,
        camp="days",
        day=["2026-10-19", "2026-10-21"],
    )
    assert response.status_code == 302
    (item,) = items_of(family)
    assert item.days == ["2026-10-19", "2026-10-21"]


def test_camp_days_bad_input(parent, org, family):
    camp = make_camp(org)
    ava = student(family, "Ava")
    response = add(parent, event=camp.pk, student=ava.pk, camp="days")
    assert response.status_code == 400
    assert "Choose at least one day of the camp." in response.content.decode()
    response = add(parent, event=camp.pk, student=ava.pk, camp="days", day="2027-01-01")
    assert "Choose days of this camp from the list." in response.content.decode()
    assert items_of(family) == []


def test_party_package_slot_and_birthday_child(parent, org, family):
    package, slot = make_party(org)
    ava = student(family, "Ava")
    html = parent.get(
        f"/portal/swim/cart/add/?package={package.pk}&slot={slot.pk}"
    ).content.decode()
    assert "Birthday child" in html
    assert re.search(rf'value="{slot.pk}" checked', html)
    assert f"1:00{NBSP}PM" in html  # 18:00 UTC in Chicago
    response = add(parent, package=package.pk, slot=slot.pk, student=ava.pk)
    assert response.status_code == 302
    (item,) = items_of(family)
    assert item.party_slot_id == slot.pk and item.party_package_id == package.pk


def test_unknown_party_slot_is_refused(parent, org, family):
    package, _slot = make_party(org)
    ava = student(family, "Ava")
    for slot in ("999999", "", "x"):
        response = add(parent, package=package.pk, slot=slot, student=ava.pk)
        assert response.status_code == 400
        assert "That party time is not open." in response.content.decode()
    assert items_of(family) == []


def test_unknown_offering_is_404(parent, org, family):
    for query in ("", "?class=999999", "?event=x", "?package=999999"):
        assert parent.get(f"/portal/swim/cart/add/{query}").status_code == 404


def test_setup_mode_refuses_enroll_with_the_banner_words(parent, org, family):
    klass = make_class(org, "Kids Swim")
    with scopes_disabled():
        org.portal_settings.mode = "setup"
        org.portal_settings.save()
    response = add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    assert "booking and checkout are not open yet" in response.content.decode()
    assert items_of(family) == []


# Wrong tenant, wrong family -----------------------------------------------------


def test_other_organizations_offerings_are_404(parent, org, other_org, family):
    klass = make_class(other_org, "Gym Class")
    camp = make_camp(other_org)
    package, slot = make_party(other_org)
    for query in (
        f"class={klass.pk}",
        f"event={camp.pk}",
        f"package={package.pk}&slot={slot.pk}",
    ):
        assert parent.get(f"/portal/swim/cart/add/?{query}").status_code == 404
    response = add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    assert response.status_code == 404
    assert items_of(family) == []


def test_other_organizations_cart_items_and_receipts_are_404(
    parent, org, other_org, family
):
    klass = make_class(other_org, "Gym Class")
    with scopes_disabled():
        them = make_family(other_org, students=("Zed",)).family.students.get()
    item = make_hold(them, klass=klass, expires_at=NOW - datetime.timedelta(minutes=1))
    assert parent.post(f"/portal/swim/cart/{item.pk}/remove/").status_code == 404
    assert parent.post(f"/portal/swim/cart/{item.pk}/renew/").status_code == 404
    assert parent.get("/portal/swim/checkout/done/abc123/").status_code == 404
    # This family is no family of the other organization: it logs in there.
    for path in ("cart/", "checkout/", f"cart/{item.pk}/remove/", "checkout/done/x/"):
        response = parent.get(f"/portal/gym/{path}")
        assert response.status_code in (302, 405)
        if response.status_code == 302:
            assert response["Location"].startswith("/portal/gym/login/")
    with scopes_disabled():
        assert CartItem.objects.filter(pk=item.pk).exists()


def test_other_familys_cart_item_is_404(parent, org, family):
    klass = make_class(org, "Kids Swim")
    with scopes_disabled():
        zed = make_family(org, students=("Zed",)).family.students.get()
    item = make_hold(zed, klass=klass, expires_at=NOW - datetime.timedelta(minutes=1))
    assert parent.post(f"/portal/swim/cart/{item.pk}/remove/").status_code == 404
    assert parent.post(f"/portal/swim/cart/{item.pk}/renew/").status_code == 404
    assert parent.post("/portal/swim/cart/999999/remove/").status_code == 404
    with scopes_disabled():
        assert CartItem.objects.get(pk=item.pk).expires_at < NOW


def test_remove_and_renew_need_post(parent, org, family):
    klass = make_class(org, "Kids Swim")
    item = make_hold(student(family, "Ava"), klass=klass, expires_at=NOW)
    assert parent.get(f"/portal/swim/cart/{item.pk}/remove/").status_code == 405
    assert parent.get(f"/portal/swim/cart/{item.pk}/renew/").status_code == 405


# The cart -----------------------------------------------------------------------


def test_cart_shows_items_price_lines_total_and_countdown(parent, org, family):
    klass = make_class(org, "Kids Swim")
    add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    html = parent.get("/portal/swim/cart/").content.decode()
    assert "Kids Swim" in html and "For Ava" in html
    assert "$25.00" in html  # the registration fee line
    assert re.search(r"Due today</dt><dd><strong>\$[\d,]+\.\d\d</strong>", html)
    # The toolbar: one item, held for 15 minutes, counted down by cart.js.
    assert "1 item" in html
    assert 'data-cart-expires="2026-10-05T15:15:00+00:00"' in html
    assert ">15:00</span>" in html
    assert "/static/js/cart.js" in html
    assert "<script>" not in html and 'style="' not in html


def test_expired_hold_says_so_and_offers_renew_while_a_seat_is_open(
    parent, org, family
):
    klass = make_class(org, "Kids Swim", capacity=1)
    ava = student(family, "Ava")
    item = make_hold(ava, klass=klass, expires_at=NOW - datetime.timedelta(minutes=1))
    html = parent.get("/portal/swim/cart/").content.decode()
    assert "Your hold on this seat has expired" in html
    assert f"/portal/swim/cart/{item.pk}/renew/" in html
    response = parent.post(f"/portal/swim/cart/{item.pk}/renew/")
    assert response.status_code == 302
    with scopes_disabled():
        item.refresh_from_db()
    assert item.expires_at == NOW + datetime.timedelta(minutes=15)


def test_expired_hold_without_a_seat_cannot_be_renewed(parent, org, family):
    klass = make_class(org, "Kids Swim", capacity=1)
    item = make_hold(
        student(family, "Ava"), klass=klass, expires_at=NOW - datetime.timedelta(1)
    )
    with scopes_disabled():
        zed = make_family(org, students=("Zed",)).family.students.get()
        enrollment_add(student=zed, klass=klass)
    html = parent.get("/portal/swim/cart/").content.decode()
    assert "there is no seat open now" in html
    assert f"/cart/{item.pk}/renew/" not in html


def test_remove_takes_the_item_out(parent, org, family):
    klass = make_class(org, "Kids Swim")
    add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    (item,) = items_of(family)
    response = parent.post(f"/portal/swim/cart/{item.pk}/remove/")
    assert response.status_code == 302
    assert items_of(family) == []
    assert "Your cart is empty." in parent.get("/portal/swim/cart/").content.decode()


def test_cart_pages_are_never_stored(parent, org, family):
    klass = make_class(org, "Kids Swim")
    add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    for path in ("cart/", "checkout/", f"cart/add/?class={klass.pk}"):
        response = parent.get(f"/portal/swim/{path}")
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def fill_cart(org, family, n):
    """n classes in the family's cart, each for another student."""
    for i in range(n):
        klass = make_class(org, f"Class {i}")
        with scopes_disabled():
            from portal.families.services import student_create

            kid = student_create(
                family=family.family,
                first_name=f"Kid{i}",
                last_name="X",
                date_of_birth=datetime.date(2018, 1, 1),
            )
        make_hold(kid, klass=klass, expires_at=NOW + datetime.timedelta(minutes=10))


@pytest.mark.parametrize("path", ["cart/", "checkout/"])
def test_cart_and_checkout_queries_do_not_grow(
    parent, org, family, path, django_assert_max_num_queries
):
    make_payment_method(family, is_default=True)
    fill_cart(org, family, 1)
    with django_assert_max_num_queries(60) as few:
        assert parent.get(f"/portal/swim/{path}").status_code == 200
    fill_cart(org, family, 6)
    with django_assert_max_num_queries(len(few)):
        assert parent.get(f"/portal/swim/{path}").status_code == 200


# Checkout -----------------------------------------------------------------------


def checkout_form(client):
    """The checkout page's hidden fields, as the browser would post them."""
    html = client.get("/portal/swim/checkout/").content.decode()
    fields = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    )
    fields.pop("csrfmiddlewaretoken", None)
    return html, fields


def test_checkout_with_a_saved_method_pays_once_and_shows_the_receipt(
    parent, org, family, mailoutbox, django_capture_on_commit_callbacks
):
    klass = make_class(org, "Kids Swim")
    method = make_payment_method(family, brand="Visa", last4="4242", is_default=True)
    add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    html, fields = checkout_form(parent)
    assert "Pay and Enroll" in html and "Visa •••• 4242" in html
    assert re.search(rf'value="{method.pk}" checked', html)
    key = fields["idempotency_key"]
    assert len(key) >= 32
    data = {**fields, "method": method.pk}
    # The demo may run on any port: the e-mail links where the parent was.
    with django_capture_on_commit_callbacks(execute=True):
        first = parent.post("/portal/swim/checkout/", data, HTTP_HOST="127.0.0.1:8123")
    again = parent.post("/portal/swim/checkout/", data)
    assert first.status_code == again.status_code == 302
    assert (
        first["Location"] == again["Location"] == f"/portal/swim/checkout/done/{key}/"
    )
    with scopes_disabled():
        assert Payment.objects.filter(family=family.family).count() == 1
        payment = Payment.objects.get(family=family.family)
        assert payment.status == PaymentStatus.CONFIRMED
        assert (
            Enrollment.objects.filter(
                student__family=family.family, status=EnrollmentStatus.ACTIVE
            ).count()
            == 1
        )
    (email,) = mailoutbox
    link = f"http://127.0.0.1:8123/portal/swim/checkout/done/{key}/"
    assert f"Your receipt: {link}" in email.body
    assert f'<a href="{link}">See your receipt</a>' in email.alternatives[0][0]
    receipt = parent.get(first["Location"]).content.decode()
    assert "Kids Swim" in receipt and "For Ava" in receipt
    assert "Visa •••• 4242" in receipt
    assert "$25.00" in receipt
    assert f"{payment.amount:,.2f}" in receipt


def test_declined_method_says_why_next_to_the_payment_fields(parent, org, family):
    klass = make_class(org, "Kids Swim")
    method = make_payment_method(family, last4="0002", is_default=True)
    add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    _html, fields = checkout_form(parent)
    response = parent.post("/portal/swim/checkout/", {**fields, "method": method.pk})
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(
        r'<p class="field-error" id="method-error"[^>]*>([^<]*)</p>', html
    )
    assert error and "declined" in error.group(1)
    assert re.search(rf'value="{method.pk}" checked', html)  # still chosen
    # A new key for the next try; the hold is kept, nothing enrolled.
    assert fields["idempotency_key"] not in html
    (item,) = items_of(family)
    assert item.klass_id == klass.pk
    with scopes_disabled():
        assert not Enrollment.objects.filter(student__family=family.family).exists()
        assert not LedgerEntry.objects.filter(family=family.family).exists()


def test_no_method_chosen_is_refused_next_to_the_payment_fields(parent, org, family):
    klass = make_class(org, "Kids Swim")
    add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    _html, fields = checkout_form(parent)
    response = parent.post("/portal/swim/checkout/", {**fields, "method": "new"})
    assert response.status_code == 400
    assert 'id="method-error"' in response.content.decode()
    response = parent.post("/portal/swim/checkout/", {**fields, "method": "999999"})
    assert "Choose a saved payment method or enter a new one." in (
        response.content.decode()
    )
    with scopes_disabled():
        assert not Payment.objects.filter(family=family.family).exists()


def test_required_policies_must_be_accepted_again(parent, org, family):
    make_policy(org, title="Liability Waiver", kind="family", required=True)
    klass = make_class(org, "Kids Swim")
    method = make_payment_method(family, is_default=True)
    add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    html, fields = checkout_form(parent)
    assert "I accept Liability Waiver" in html
    name = re.search(r'name="(accept_policy_\d+_f)"', html).group(1)
    response = parent.post("/portal/swim/checkout/", {**fields, "method": method.pk})
    assert response.status_code == 400
    assert 'id="policies-error"' in response.content.decode()
    _html, fields = checkout_form(parent)
    response = parent.post(
        "/portal/swim/checkout/", {**fields, "method": method.pk, name: "on"}
    )
    assert response.status_code == 302


def test_changed_price_must_be_confirmed(parent, org, family):
    klass = make_class(org, "Kids Swim")
    method = make_payment_method(family, is_default=True)
    add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    with scopes_disabled():
        CartItem.objects.filter(cart__family=family.family).update(
            quoted_total=Decimal("1.00")
        )
    html, fields = checkout_form(parent)
    assert "I accept the new prices" in html and "was $1.00" in html
    response = parent.post("/portal/swim/checkout/", {**fields, "method": method.pk})
    assert response.status_code == 400
    assert 'id="prices-error"' in response.content.decode()
    _html, fields = checkout_form(parent)
    response = parent.post(
        "/portal/swim/checkout/",
        {**fields, "method": method.pk, "confirm_prices": "on"},
    )
    assert response.status_code == 302


def test_no_gateway_says_online_payment_is_not_accepted(parent, org, family):
    klass = make_class(org, "Kids Swim")
    make_gateway_account(org, provider="")
    add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    html = parent.get("/portal/swim/checkout/").content.decode()
    assert "does not accept online payments" in html
    assert "Pay and Enroll" not in html and "pay at the front desk" not in html


def test_no_gateway_with_pay_at_front_desk_enrolls_now(parent, org, family):
    klass = make_class(org, "Kids Swim")
    make_gateway_account(org, provider="")
    with scopes_disabled():
        org.portal_settings.pay_at_front_desk = True
        org.portal_settings.save()
    add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    html, fields = checkout_form(parent)
    assert "Enroll now, pay at the front desk" in html
    response = parent.post("/portal/swim/checkout/", fields)
    assert response.status_code == 302
    receipt = parent.get(response["Location"]).content.decode()
    assert "Due at the front desk" in receipt
    with scopes_disabled():
        assert Enrollment.objects.filter(student__family=family.family).count() == 1


def test_waitlist_only_checkout_needs_no_payment_and_shows_the_position(
    parent, org, family
):
    klass = make_class(org, "Kids Swim", capacity=1)
    with scopes_disabled():
        zed = make_family(org, students=("Zed",)).family.students.get()
        enrollment_add(student=zed, klass=klass)
    add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    html, fields = checkout_form(parent)
    assert "no payment is needed" in html
    assert "Pay and Enroll" not in html and "gateway_token" not in html
    response = parent.post("/portal/swim/checkout/", fields)
    assert response.status_code == 302
    receipt = parent.get(response["Location"]).content.decode()
    assert "Waitlist position 1" in receipt


def test_setup_mode_refuses_checkout_with_the_banner_words(parent, org, family):
    klass = make_class(org, "Kids Swim")
    method = make_payment_method(family, is_default=True)
    add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    _html, fields = checkout_form(parent)
    with scopes_disabled():
        org.portal_settings.mode = "setup"
        org.portal_settings.save()
    html = parent.get("/portal/swim/checkout/").content.decode()
    assert "Pay and Enroll" not in html
    response = parent.post("/portal/swim/checkout/", {**fields, "method": method.pk})
    assert response.status_code == 400
    assert "booking and checkout are not open yet" in response.content.decode()
    with scopes_disabled():
        assert not Payment.objects.filter(family=family.family).exists()


def test_receipt_of_another_family_is_404(client, parent, org, family):
    klass = make_class(org, "Kids Swim")
    method = make_payment_method(family, is_default=True)
    add(parent, **{"class": klass.pk, "student": student(family, "Ava").pk})
    _html, fields = checkout_form(parent)
    done = parent.post("/portal/swim/checkout/", {**fields, "method": method.pk})
    assert parent.get(done["Location"]).status_code == 200
    other = make_family(org, students=("Zed",))
    client.logout()
    client.force_login(other.user)
    assert client.get(done["Location"]).status_code == 404


def test_receipt_times_and_money_are_formatted(parent, org, family):
    package, slot = make_party(org)
    method = make_payment_method(family, brand="Mastercard", last4="4444")
    add(parent, package=package.pk, slot=slot.pk, student=student(family, "Ava").pk)
    cart = parent.get("/portal/swim/cart/").content.decode()
    assert f"Oct 10, 2026, 1:00{NBSP}PM" in cart  # the party, in Chicago
    assert "$50.00" in cart  # the deposit, due today
    _html, fields = checkout_form(parent)
    done = parent.post("/portal/swim/checkout/", {**fields, "method": method.pk})
    receipt = parent.get(done["Location"]).content.decode()
    assert "Mastercard •••• 4444" in receipt and "$50.00" in receipt
