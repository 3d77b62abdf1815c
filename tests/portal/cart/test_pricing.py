"""Prices of classes, camps and parties: the lines a parent sees in the cart,
at checkout and on the receipt.

December 2025 has four Thursdays (4, 11, 18, 25) and five Wednesdays
(3, 10, 17, 24, 31); January 2026 has five Thursdays (1, 8, 15, 22, 29)."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled

from portal.cart.models import Cart, CartItem
from portal.cart.pricing import (
    PriceLine,
    Quote,
    quote_class,
    quote_event,
    quote_items,
    quote_party,
)
from portal.catalog.models import (
    Blackout,
    Event,
    PartyPackage,
    PartySlot,
    Program,
    TuitionPeriod,
)
from portal.catalog.services import class_create, record_create
from portal.enrollments.models import Enrollment, EnrollmentStatus
from tests.factories import make_family, make_organization

pytestmark = pytest.mark.django_db

D = Decimal
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
THURSDAY, WEDNESDAY = 3, 2


def local(*args):
    return datetime.datetime(*args, tzinfo=CHICAGO)


NOW = local(2025, 12, 10, 12)  # a Wednesday, noon in Chicago


@pytest.fixture
def org():
    organization = make_organization()
    with scopes_disabled():
        location = organization.locations.get()
        location.time_zone = "America/Chicago"
        location.save()
    with scope(organization=organization):
        yield organization


@pytest.fixture
def swim(org):
    return record_create(Program, organization=org, name="Swim")


@pytest.fixture
def student(org):
    with scopes_disabled():
        return make_family(org, students=("Ava",)).family.students.get()


def make_class(org, program, *, weekday=THURSDAY, at=(17, 0), **fields):
    start = datetime.time(*at)
    end = (
        datetime.datetime.combine(datetime.date.today(), start)
        + datetime.timedelta(minutes=45)
    ).time()
    return class_create(
        organization=org,
        name=fields.pop("name", "Guppies"),
        program=program,
        location=org.locations.get(),
        season_start=fields.pop("season_start", datetime.date(2025, 9, 1)),
        season_end=fields.pop("season_end", datetime.date(2026, 5, 31)),
        tuition=D(fields.pop("tuition", "100.00")),
        registration_fee=D(fields.pop("fee", "0")),
        schedules=[{"weekday": weekday, "start_time": start, "end_time": end}],
        **fields,
    )


def christmas(org):
    return record_create(
        Blackout,
        organization=org,
        name="Christmas",
        start_date=datetime.date(2025, 12, 25),
        end_date=datetime.date(2025, 12, 25),
    )


def lines(quote):
    return [(line.kind, line.label, line.amount) for line in quote.lines]


def enroll(student, klass, status=EnrollmentStatus.ACTIVE):
    return Enrollment.objects.create(
        organization_id=student.organization_id,
        student=student,
        klass=klass,
        status=status,
    )


# --- monthly tuition ---------------------------------------------------------


def test_first_month_prorated_by_meetings_left(org, swim, student):
    klass = make_class(org, swim)
    quote = quote_class(klass=klass, student=student, now=NOW)
    assert lines(quote) == [
        (
            "tuition",
            "First month's tuition (3 of 4 meetings in December)",
            D("75.00"),
        )
    ]
    assert quote.total == quote.due_today == D("75.00")


def test_a_blackout_leaves_its_meeting_out_of_both_counts(org, swim, student):
    christmas(org)
    klass = make_class(org, swim)
    quote = quote_class(klass=klass, student=student, now=NOW)
    # Dec 4, 11, 18 meet (25 is closed); from Dec 10 on: 11 and 18.
    assert lines(quote) == [
        (
            "tuition",
            "First month's tuition (2 of 3 meetings in December)",
            D("66.67"),
        )
    ]


def test_no_meeting_left_this_month_prices_next_month_whole(org, swim, student):
    christmas(org)
    klass = make_class(org, swim)
    quote = quote_class(klass=klass, student=student, now=local(2025, 12, 19, 9))
    assert lines(quote) == [
        (
            "tuition",
            "First month's tuition (5 of 5 meetings in January)",
            D("100.00"),
        )
    ]


def test_a_meeting_already_started_today_is_not_left(org, swim, student):
    klass = make_class(org, swim)
    quote = quote_class(klass=klass, student=student, now=local(2025, 12, 11, 17, 5))
    assert quote.lines[0].label == (
        "First month's tuition (2 of 4 meetings in December)"
    )
    assert quote.total == D("50.00")


def test_season_starting_mid_month_pays_its_meetings_of_that_month(org, swim, student):
    klass = make_class(org, swim, season_start=datetime.date(2026, 1, 8))
    quote = quote_class(klass=klass, student=student, now=NOW)
    assert lines(quote) == [
        (
            "tuition",
            "First month's tuition (4 of 5 meetings in January)",
            D("80.00"),
        )
    ]


def test_eleven_pm_on_the_last_day_of_the_month_counts_in_that_month(
    org, swim, student
):
    klass = make_class(org, swim, weekday=WEDNESDAY, at=(23, 0))
    now = local(2025, 12, 31, 20)  # already Jan 1 in UTC
    assert now.astimezone(datetime.UTC).date() == datetime.date(2026, 1, 1)
    quote = quote_class(klass=klass, student=student, now=now)
    assert lines(quote) == [
        (
            "tuition",
            "First month's tuition (1 of 5 meetings in December)",
            D("20.00"),
        )
    ]


def test_per_lesson_tuition_is_the_lessons_left_this_month(org, swim, student):
    christmas(org)
    klass = make_class(org, swim, tuition="22.50", tuition_period=TuitionPeriod.LESSON)
    quote = quote_class(klass=klass, student=student, now=NOW)
    assert lines(quote) == [("tuition", "Tuition (2 lessons in December)", D("45.00"))]
    one = quote_class(klass=klass, student=student, now=local(2025, 12, 12))
    assert one.lines[0].label == "Tuition (1 lesson in December)"
    assert one.total == D("22.50")


def test_a_class_with_no_meeting_left_costs_nothing(org, swim, student):
    klass = make_class(org, swim, season_end=datetime.date(2025, 12, 5))
    assert quote_class(klass=klass, student=student, now=NOW).lines == []


# --- registration fee --------------------------------------------------------


def test_registration_fee_for_a_students_first_class_of_the_season(org, swim, student):
    klass = make_class(org, swim, fee="25")
    quote = quote_class(klass=klass, student=student, now=NOW)
    assert lines(quote)[1] == ("registration_fee", "Registration fee", D("25.00"))
    assert quote.total == D("100.00")


def test_no_fee_again_in_the_same_program_and_season(org, swim, student):
    enroll(student, make_class(org, swim, name="Seals", weekday=0))
    klass = make_class(org, swim, fee="25")
    kinds = [
        line.kind for line in quote_class(klass=klass, student=student, now=NOW).lines
    ]
    assert kinds == ["tuition"]


def test_fee_again_for_another_program_or_a_season_that_does_not_overlap(
    org, swim, student
):
    gym = record_create(Program, organization=org, name="Gym")
    enroll(student, make_class(org, gym, name="Tumblers"))
    enroll(
        student,
        make_class(
            org,
            swim,
            name="Summer Seals",
            season_start=datetime.date(2025, 6, 1),
            season_end=datetime.date(2025, 8, 31),
        ),
    )
    klass = make_class(org, swim, fee="25")
    quote = quote_class(klass=klass, student=student, now=NOW)
    assert [line.kind for line in quote.lines] == ["tuition", "registration_fee"]


def test_a_waitlist_place_or_a_dropped_class_has_not_paid_the_fee(org, swim, student):
    enroll(student, make_class(org, swim, name="A"), EnrollmentStatus.WAITLIST)
    enroll(student, make_class(org, swim, name="B"), EnrollmentStatus.DROPPED)
    klass = make_class(org, swim, fee="25")
    quote = quote_class(klass=klass, student=student, now=NOW)
    assert quote.lines[-1].kind == "registration_fee"


def test_fee_every_time_when_the_class_says_so(org, swim, student):
    enroll(student, make_class(org, swim, name="Seals", weekday=0))
    klass = make_class(org, swim, fee="25", registration_fee_every_time=True)
    quote = quote_class(klass=klass, student=student, now=NOW)
    assert quote.lines[-1] == PriceLine(
        label="Registration fee", amount=D("25.00"), kind="registration_fee"
    )


def test_fee_already_due_elsewhere_is_not_charged_here(org, swim, student):
    klass = make_class(org, swim, fee="25")
    quote = quote_class(klass=klass, student=student, now=NOW, fee_already_due=True)
    assert [line.kind for line in quote.lines] == ["tuition"]
    quote = quote_class(klass=klass, student=student, now=NOW, fee_already_due=False)
    assert [line.kind for line in quote.lines] == ["tuition", "registration_fee"]


# --- the cart ----------------------------------------------------------------


def cart_item(student, expires_at=None, **offering):
    cart, _ = Cart.objects.get_or_create(
        organization_id=student.organization_id, family_id=student.family_id
    )
    return CartItem.objects.create(
        organization_id=student.organization_id,
        cart=cart,
        student=student,
        expires_at=expires_at or NOW + datetime.timedelta(minutes=15),
        **offering,
    )


def test_cart_charges_the_fee_once_per_student_program_and_season(org, swim):
    with scopes_disabled():
        ava, ben = make_family(org, students=("Ava", "Ben")).family.students.order_by(
            "first_name"
        )
    gym = record_create(Program, organization=org, name="Gym")
    seals = make_class(org, swim, name="Seals", fee="25")
    sharks = make_class(org, swim, name="Sharks", fee="40", weekday=0)
    tumblers = make_class(org, gym, name="Tumblers", fee="30")
    items = [
        cart_item(ava, klass=seals),
        cart_item(ava, klass=sharks),
        cart_item(ava, klass=tumblers),
        cart_item(ben, klass=sharks),
    ]
    quotes = quote_items(items, now=NOW)
    fees = [
        [
            line.amount
            for line in quotes[item.pk].lines
            if line.kind == "registration_fee"
        ]
        for item in items
    ]
    assert fees == [[D("25.00")], [], [D("30.00")], [D("40.00")]]


def test_cart_fee_every_time_and_waitlist_items(org, swim, student):
    first = make_class(org, swim, name="Seals", fee="25")
    again = make_class(
        org, swim, name="Sharks", fee="25", weekday=0, registration_fee_every_time=True
    )
    full = make_class(org, swim, name="Dolphins", fee="25", weekday=1)
    items = [
        cart_item(student, klass=full, waitlist=True),
        cart_item(student, klass=first),
        cart_item(student, klass=again),
    ]
    quotes = quote_items(items, now=NOW)
    assert quotes[items[0].pk] == Quote(lines=[])
    assert quotes[items[0].pk].total == D("0")
    # The waitlist place ahead of them did not pay the fee.
    assert quotes[items[1].pk].lines[-1].kind == "registration_fee"
    assert quotes[items[2].pk].lines[-1].kind == "registration_fee"


def test_cart_sees_existing_enrollments(org, swim, student):
    enroll(student, make_class(org, swim, name="Seals", weekday=0))
    item = cart_item(student, klass=make_class(org, swim, fee="25"))
    quote = quote_items([item], now=NOW)[item.pk]
    assert [line.kind for line in quote.lines] == ["tuition"]


def test_cart_prices_agree_with_single_quotes(org, swim, student):
    christmas(org)
    klass = make_class(org, swim, fee="25")
    event = make_camp(org)
    package, slot = make_party(org)
    items = [
        cart_item(student, klass=klass),
        cart_item(student, event=event, days=["2025-12-22", "2025-12-23"]),
        cart_item(student, party_slot=slot, party_package=package),
    ]
    quotes = quote_items(items, now=NOW)
    assert quotes[items[0].pk] == quote_class(klass=klass, student=student, now=NOW)
    assert quotes[items[1].pk] == quote_event(
        event=event, days=["2025-12-22", "2025-12-23"], now=NOW
    )
    assert quotes[items[2].pk] == quote_party(package=package, slot=slot, now=NOW)


def test_a_whole_cart_is_priced_in_a_fixed_number_of_queries(
    org, swim, django_assert_num_queries
):
    def cart(n):
        with scopes_disabled():
            students = list(
                make_family(
                    org, students=[f"Kid{i}" for i in range(n)]
                ).family.students.all()
            )
        items = []
        for i, kid in enumerate(students):
            klass = make_class(org, swim, name=f"C{n}-{i}", fee="25", weekday=i % 5)
            items.append(cart_item(kid, klass=klass))
            items.append(cart_item(kid, event=make_camp(org), days=["2025-12-22"]))
        return [
            CartItem.objects.get(pk=item.pk) for item in items
        ]  # nothing loaded yet

    small, large = cart(1), cart(4)
    for items in (small, large):
        # Classes, their locations and schedules; camps and their locations;
        # blackouts; enrollments.
        with django_assert_num_queries(7):
            quotes = quote_items(items, now=NOW)
        assert all(quote.total > 0 for quote in quotes.values())


# --- camps -------------------------------------------------------------------


def make_camp(org, *, price="250.00", per_day="60.00"):
    return record_create(
        Event,
        organization=org,
        name="Winter Camp",
        location=org.locations.get(),
        start_date=datetime.date(2025, 12, 22),
        end_date=datetime.date(2025, 12, 26),
        daily_start=datetime.time(9),
        daily_end=datetime.time(15),
        price=D(price),
        price_per_day=D(per_day) if per_day else None,
    )


def test_whole_camp(org):
    quote = quote_event(event=make_camp(org), days=[], now=NOW)
    assert lines(quote) == [("camp", "Whole camp", D("250.00"))]


def test_camp_by_the_day_charges_the_chosen_days_that_run(org):
    christmas(org)
    event = make_camp(org)
    days = [
        datetime.date(2025, 12, 22),
        "2025-12-23",
        datetime.date(2025, 12, 25),  # closed for Christmas
        datetime.date(2025, 12, 29),  # not a camp day
        "2025-12-22",  # twice
    ]
    quote = quote_event(event=event, days=days, now=NOW)
    assert lines(quote) == [("camp", "Camp, 2 chosen days", D("120.00"))]
    one = quote_event(event=event, days=["2025-12-24"], now=NOW)
    assert lines(one) == [("camp", "Camp, 1 chosen day", D("60.00"))]


def test_camp_not_sold_by_the_day_is_the_whole_price(org):
    event = make_camp(org, per_day=None)
    quote = quote_event(event=event, days=["2025-12-22"], now=NOW)
    assert quote.total == D("250.00")


# --- parties -----------------------------------------------------------------


def make_party(org, *, price="300.00", deposit="100.00", at=None):
    package = record_create(
        PartyPackage,
        organization=org,
        name="Splash Party",
        price=D(price),
        deposit=D(deposit),
    )
    slot = record_create(
        PartySlot,
        organization=org,
        location=org.locations.get(),
        starts_at=at or local(2026, 1, 17, 14),
    )
    return package, slot


def test_party_deposit_now_the_rest_on_the_party_date(org):
    package, slot = make_party(org)
    quote = quote_party(package=package, slot=slot, now=NOW)
    assert quote.lines == [
        PriceLine(label="Party deposit", amount=D("100.00"), kind="party_deposit"),
        PriceLine(
            label="Party balance, due on Jan 17, 2026",
            amount=D("200.00"),
            due_now=False,
            kind="party_balance",
            due_on=datetime.date(2026, 1, 17),
        ),
    ]
    assert quote.total == D("300.00")
    assert quote.due_today == D("100.00")


def test_party_balance_is_due_on_the_local_date(org):
    package, slot = make_party(org, at=local(2025, 12, 31, 23, 30))
    quote = quote_party(package=package, slot=slot, now=NOW)
    assert quote.lines[-1].due_on == datetime.date(2025, 12, 31)


def test_party_without_deposit_is_all_due_later(org):
    package, slot = make_party(org, deposit="0")
    quote = quote_party(package=package, slot=slot, now=NOW)
    assert [line.kind for line in quote.lines] == ["party_balance"]
    assert quote.due_today == D("0")
    assert quote.total == D("300.00")
