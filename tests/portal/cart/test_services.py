"""Cart services: holding a seat, the seat rules, removing and renewing."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_scopes import scopes_disabled

from portal.cart import services
from portal.cart.errors import CartError
from portal.cart.models import CartItem
from portal.cart.selectors import cart_count, cart_view
from portal.cart.services import cart_add, cart_remove, cart_renew
from portal.catalog.models import Class
from portal.enrollments.services import enrollment_add
from portal.tenancy.models import PortalMode, PortalSettings
from tests.factories import make_family, make_hold, make_organization
from tests.factories.cart import make_camp, make_class, make_party

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return make_organization(slug="swim")


@pytest.fixture
def family(org):
    return make_family(org, students=("Mia", "Leo")).family


def students(family):
    with scopes_disabled():
        return list(family.students.order_by("first_name"))


def test_add_holds_a_seat_for_the_reservation_time(org, family, unscoped):
    PortalSettings.objects.filter(organization=org).update(reservation_minutes=20)
    klass = make_class(org, capacity=3)
    now = timezone.now()
    leo, mia = students(family)
    item = cart_add(family=family, student=mia, klass=klass, now=now)
    assert item.expires_at == now + datetime.timedelta(minutes=20)
    assert item.status == "held" and not item.waitlist
    assert item.quoted_total is not None and item.quoted_total > 0
    assert cart_count(family=family, now=now) == (1, item.expires_at)


def test_the_last_seat_goes_to_one_family_and_then_the_class_is_full(org, unscoped):
    klass = make_class(org, capacity=1, waitlist_allowed=False)
    first = make_family(org, students=("Ann",)).family
    second = make_family(org, students=("Bob",)).family
    cart_add(family=first, student=students(first)[0], klass=klass)
    with pytest.raises(CartError) as error:
        cart_add(family=second, student=students(second)[0], klass=klass)
    assert error.value.code == "full"
    assert str(error.value.message) == f"{klass.name} is full."
    assert CartItem.objects.filter(klass=klass).count() == 1


def test_full_class_with_waitlist_offers_it_and_the_waitlist_item_holds_no_seat(
    org, unscoped
):
    klass = make_class(org, capacity=1)
    first = make_family(org, students=("Ann",)).family
    second = make_family(org, students=("Bob",)).family
    cart_add(family=first, student=students(first)[0], klass=klass)
    with pytest.raises(CartError) as error:
        cart_add(family=second, student=students(second)[0], klass=klass)
    assert error.value.code == "full_waitlist"
    assert "Join Waitlist" in str(error.value.message)
    item = cart_add(
        family=second, student=students(second)[0], klass=klass, waitlist=True
    )
    assert item.waitlist and item.quoted_total == 0
    assert cart_count(family=second)[1] is None  # no seat, no countdown


def test_waitlist_is_refused_while_seats_are_open(org, family, unscoped):
    klass = make_class(org, capacity=2)
    with pytest.raises(CartError) as error:
        cart_add(family=family, student=students(family)[0], klass=klass, waitlist=True)
    assert error.value.code == "has_openings"
    assert not CartItem.objects.exists()


def test_expired_holds_free_their_seat(org, unscoped):
    klass = make_class(org, capacity=1)
    other = make_family(org, students=("Ann",)).family
    make_hold(
        students(other)[0],
        klass=klass,
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    mine = make_family(org, students=("Bob",)).family
    item = cart_add(family=mine, student=students(mine)[0], klass=klass)
    assert item.pk


def test_active_enrollments_take_seats_through_the_stored_count(org, unscoped):
    klass = make_class(org, capacity=1, waitlist_allowed=False)
    other = make_family(org, students=("Ann",)).family
    enrollment_add(student=students(other)[0], klass=klass)
    assert Class.objects.get(pk=klass.pk).seats_taken == 1
    mine = make_family(org, students=("Bob",)).family
    with pytest.raises(CartError) as error:
        cart_add(family=mine, student=students(mine)[0], klass=klass)
    assert error.value.code == "full"


def test_same_student_cannot_hold_or_take_a_class_twice(org, family, unscoped):
    klass = make_class(org, capacity=5)
    leo, mia = students(family)
    cart_add(family=family, student=mia, klass=klass)
    with pytest.raises(CartError) as error:
        cart_add(family=family, student=mia, klass=klass)
    assert error.value.code == "already_in_cart"
    assert str(error.value.message) == f"Mia already has {klass.name} in the cart."
    enrollment_add(student=leo, klass=klass)
    with pytest.raises(CartError) as error:
        cart_add(family=family, student=leo, klass=klass)
    assert str(error.value.message) == f"Leo is already enrolled in {klass.name}."
    assert CartItem.objects.count() == 1


def test_own_expired_hold_is_replaced(org, family, unscoped):
    klass = make_class(org, capacity=5)
    mia = students(family)[1]
    old = make_hold(
        mia, klass=klass, expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    item = cart_add(family=family, student=mia, klass=klass)
    assert item.pk != old.pk
    assert CartItem.objects.filter(klass=klass).count() == 1


def test_registration_not_open_yet_says_when(org, family, unscoped):
    opens = timezone.now() + datetime.timedelta(days=1)
    klass = make_class(org, registration_opens_at=opens)
    with pytest.raises(CartError) as error:
        cart_add(family=family, student=students(family)[0], klass=klass)
    assert error.value.code == "not_open"
    assert str(error.value.message).startswith(f"Registration for {klass.name} opens ")
    assert str(opens.year) in str(error.value.message)


def test_online_enrollment_off_and_ineligible_students_are_refused(
    org, family, unscoped
):
    offline = make_class(org, online_enrollment=False)
    with pytest.raises(CartError) as error:
        cart_add(family=family, student=students(family)[0], klass=offline)
    assert error.value.code == "offline"
    teens = make_class(org, min_age_years=13)
    with pytest.raises(CartError) as error:
        cart_add(family=family, student=students(family)[0], klass=teens)
    assert str(error.value.message) == f"Leo is too young for {teens.name}."
    assert not CartItem.objects.exists()


def test_setup_mode_is_refused_with_the_preview_banner_words(org, family, unscoped):
    PortalSettings.objects.filter(organization=org).update(mode=PortalMode.SETUP)
    klass = make_class(org)
    with pytest.raises(CartError) as error:
        cart_add(family=family, student=students(family)[0], klass=klass)
    assert error.value.code == "setup_mode"
    banner = (Path(settings.BASE_DIR) / "templates" / "base.html").read_text()
    assert str(error.value.message) in " ".join(banner.split())
    assert not CartItem.objects.exists()


def test_another_familys_student_or_organizations_class_is_refused(
    org, family, unscoped
):
    other = make_family(org, students=("Zed",)).family
    klass = make_class(org)
    with pytest.raises(CartError) as error:
        cart_add(family=family, student=students(other)[0], klass=klass)
    assert error.value.code == "not_your_student"
    elsewhere = make_class(make_organization(slug="gym"))
    with pytest.raises(CartError) as error:
        cart_add(family=family, student=students(family)[0], klass=elsewhere)
    assert error.value.code == "no_such_offering"
    assert not CartItem.objects.exists()


def test_camp_days_each_need_a_free_seat(org, unscoped):
    camp = make_camp(org, capacity=1, days=3)
    first_day = camp.start_date.isoformat()
    second_day = (camp.start_date + datetime.timedelta(days=1)).isoformat()
    one = make_family(org, students=("Ann",)).family
    cart_add(family=one, student=students(one)[0], event=camp, days=[camp.start_date])
    two = make_family(org, students=("Bob",)).family
    with pytest.raises(CartError) as error:
        cart_add(family=two, student=students(two)[0], event=camp, days=[first_day])
    assert error.value.code == "day_full"
    with pytest.raises(CartError) as error:
        cart_add(family=two, student=students(two)[0], event=camp)  # whole camp
    assert error.value.code == "full"
    item = cart_add(family=two, student=students(two)[0], event=camp, days=[second_day])
    assert item.days == [second_day]


def test_camp_days_must_be_days_of_a_camp_sold_by_the_day(org, family, unscoped):
    camp = make_camp(org, per_day=None)
    with pytest.raises(CartError) as error:
        cart_add(
            family=family,
            student=students(family)[0],
            event=camp,
            days=[camp.start_date],
        )
    assert error.value.code == "days_not_sold"
    by_day = make_camp(org)
    with pytest.raises(CartError) as error:
        cart_add(
            family=family,
            student=students(family)[0],
            event=by_day,
            days=[by_day.end_date + datetime.timedelta(days=1)],
        )
    assert error.value.code == "bad_day"


def test_a_party_slot_has_one_seat(org, unscoped):
    package, slot = make_party(org)
    one = make_family(org, students=("Ann",)).family
    item = cart_add(
        family=one, student=students(one)[0], party_slot=slot, party_package=package
    )
    assert item.party_package == package
    two = make_family(org, students=("Bob",)).family
    with pytest.raises(CartError) as error:
        cart_add(
            family=two, student=students(two)[0], party_slot=slot, party_package=package
        )
    assert error.value.code == "full"


def test_remove_lets_the_seat_go_and_only_from_ones_own_cart(org, family, unscoped):
    klass = make_class(org, capacity=1)
    item = cart_add(family=family, student=students(family)[0], klass=klass)
    other = make_family(org, students=("Zed",)).family
    with pytest.raises(CartError) as error:
        cart_remove(family=other, item_id=item.pk)
    assert error.value.code == "not_found"
    assert CartItem.objects.filter(pk=item.pk).exists()
    cart_remove(family=family, item_id=item.pk)
    assert not CartItem.objects.exists()
    cart_add(family=other, student=students(other)[0], klass=klass)


def test_renew_an_expired_hold_only_while_a_seat_is_open(org, family, unscoped):
    klass = make_class(org, capacity=1, waitlist_allowed=False)
    now = timezone.now()
    item = cart_add(family=family, student=students(family)[0], klass=klass, now=now)
    later = item.expires_at + datetime.timedelta(minutes=1)
    renewed = cart_renew(family=family, item_id=item.pk, now=later)
    assert renewed.expires_at > later
    # Expired again, and someone else takes the seat.
    much_later = renewed.expires_at + datetime.timedelta(minutes=1)
    other = make_family(org, students=("Zed",)).family
    cart_add(family=other, student=students(other)[0], klass=klass, now=much_later)
    view = cart_view(family=family, now=much_later)
    assert view.items[0].expired and not view.items[0].can_renew
    with pytest.raises(CartError) as error:
        cart_renew(family=family, item_id=item.pk, now=much_later)
    assert error.value.code == "full"
    assert CartItem.objects.get(pk=item.pk).expires_at == renewed.expires_at
    with pytest.raises(CartError) as error:
        cart_renew(family=other, item_id=item.pk, now=much_later)
    assert error.value.code == "not_found"


def test_cart_view_totals_and_earliest_expiry(org, family, unscoped):
    leo, mia = students(family)
    one, two = make_class(org, fee="25.00"), make_class(org)
    now = timezone.now()
    first = cart_add(family=family, student=mia, klass=one, now=now)
    cart_add(
        family=family, student=leo, klass=two, now=now + datetime.timedelta(minutes=1)
    )
    view = cart_view(family=family, now=now)
    assert view.count == 2
    assert view.expires_at == first.expires_at
    assert view.total == sum(entry.quote.total for entry in view.items)
    assert not any(entry.price_changed for entry in view.items)
    Class.objects.filter(pk=one.pk).update(tuition=one.tuition + 10)
    view = cart_view(family=family, now=now)
    assert view.items[0].price_changed


def test_cart_view_and_count_queries_do_not_grow(
    org, django_assert_max_num_queries, unscoped
):
    family = make_family(org, students=("A", "B", "C", "D", "E", "F")).family
    kids = students(family)

    def fill(few):
        package, slot = make_party(org)
        cart_add(family=family, student=kids[few], klass=make_class(org, fee="20"))
        cart_add(family=family, student=kids[few], event=make_camp(org))
        cart_add(
            family=family, student=kids[few], party_slot=slot, party_package=package
        )

    fill(0)
    later = timezone.now() + datetime.timedelta(hours=1)
    with django_assert_max_num_queries(40) as small:
        cart_view(family=family, now=later)
    for kid in (1, 2, 3):
        fill(kid)
    with django_assert_max_num_queries(len(small.captured_queries)):
        view = cart_view(family=family, now=later)
    assert view.count == 12 and all(entry.expired for entry in view.items)
    assert all(entry.can_renew for entry in view.items)
    with django_assert_max_num_queries(1):
        count, expires_at = cart_count(family=family)
    assert count == 12
    assert expires_at == min(entry.item.expires_at for entry in view.items)


def test_locking_switch_is_on_by_default():
    assert services.LOCKING is True
