"""Tuition billing: a month's tuition per month and per lesson (blackouts
left out), the preview that posts nothing, a month never billed twice (also
when two runs post at once), charging stored methods with declines listed
and e-mailed, and the admin screens' permissions."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from portal.billing import tuition
from portal.billing.models import (
    BillingRun,
    BillingRunLine,
    BillingRunPayment,
    LedgerEntry,
    Payment,
)
from portal.billing.selectors import family_balance
from portal.billing.services import charge_post
from portal.billing.tuition import (
    TuitionError,
    tuition_plan,
    tuition_run_charge,
    tuition_run_post,
)
from portal.tenancy.models import StaffRole
from portal.tenancy.services import staff_membership_create
from tests.factories import UserFactory, make_family, make_organization, make_staff
from tests.factories.billing import make_gateway_account, make_payment_method
from tests.factories.tuition import (
    make_blackout,
    make_enrollment,
    make_tuition_class,
)

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 1)
NOW = timezone.make_aware(datetime.datetime(2026, 2, 25, 12))


def families_of(org):
    """Two families: the Riveras (Mia in a monthly class, Leo in a class by
    the lesson) and the Chens (Ava, monthly)."""
    monthly = make_tuition_class(org, name="Guppies", tuition="100.00")
    by_lesson = make_tuition_class(
        org, name="Sharks", tuition="20.00", period="lesson", weekday=0
    )
    rivera = make_family(
        org, last_name="Rivera", students=("Mia", "Leo"), email="rivera@example.com"
    )
    chen = make_family(org, last_name="Chen", students=("Ava",))
    with scopes_disabled():
        mia, leo = rivera.family.students.order_by("first_name").reverse()
        (ava,) = chen.family.students.all()
    return {
        "monthly": monthly,
        "by_lesson": by_lesson,
        "rivera": rivera,
        "chen": chen,
        "mia": make_enrollment(mia, monthly),
        "leo": make_enrollment(leo, by_lesson),
        "ava": make_enrollment(ava, monthly),
    }


@pytest.fixture
def org():
    organization = make_organization(name="Alpha Swim", slug="alpha")
    make_gateway_account(organization)
    return organization


@pytest.fixture
def world(org):
    world = families_of(org)
    # Closed on Monday March 16: four meetings in March instead of five.
    make_blackout(org, datetime.date(2026, 3, 16), name="Spring break")
    return world


def charges(org):
    with scopes_disabled():
        return list(
            LedgerEntry.objects.filter(organization=org, kind="charge").order_by("pk")
        )


def post(org, key="run-1", month=MARCH, **kwargs):
    with scope(organization=org.pk):
        return tuition_run_post(
            organization=org, month=month, idempotency_key=key, now=NOW, **kwargs
        )


# What a month costs --------------------------------------------------------------


def test_per_month_and_per_lesson_with_a_blackout(org, world, unscoped):
    run = post(org)
    posted = {entry.enrollment_id: entry for entry in charges(org)}
    assert len(posted) == 3
    mia, leo, ava = (
        posted[world["mia"].pk],
        posted[world["leo"].pk],
        posted[world["ava"].pk],
    )
    # Monthly: the whole month's tuition (every meeting but the closed one).
    assert mia.amount == Decimal("100.00")
    assert mia.description == "Tuition, March 2026 – Guppies"
    # Per lesson: four lessons (2, 9, 23, 30 March) × $20.
    assert leo.amount == Decimal("80.00")
    assert leo.description == "Tuition, March 2026 (4 lessons) – Sharks"
    assert ava.amount == Decimal("100.00")
    assert mia.idempotency_key == f"tuition:{world['mia'].pk}:2026-03"
    assert mia.due_on == MARCH and mia.location_id == world["monthly"].location_id
    assert (run.posted_count, run.already_billed_count, run.total) == (
        3,
        0,
        Decimal("280.00"),
    )
    with scope(organization=org.pk):
        assert family_balance(family=world["rivera"].family) == Decimal("180.00")


def test_a_first_day_inside_the_month_pays_its_share(org, unscoped):
    klass = make_tuition_class(org, name="Guppies", tuition="100.00")
    guardian = make_family(org, students=("Zoe",))
    student = guardian.family.students.get()
    # From March 20: 23 and 30 March, two of the month's five meetings.
    enrollment = make_enrollment(student, klass, starts_on=datetime.date(2026, 3, 20))
    with scope(organization=org.pk):
        plan = tuition_plan(organization=org, month=MARCH)
    (line,) = plan.lines
    assert line.enrollment == enrollment
    assert (line.meetings, line.amount) == (2, Decimal("40.00"))
    assert line.description == "Tuition, March 2026 (2 of 5 meetings) – Guppies"


def test_a_month_closed_throughout_has_nothing_to_bill(org, unscoped):
    klass = make_tuition_class(
        org,
        season_start=datetime.date(2026, 3, 1),
        season_end=datetime.date(2026, 3, 10),
    )
    guardian = make_family(org, students=("Zoe",))
    make_enrollment(guardian.family.students.get(), klass)
    for day in (2, 9):
        make_blackout(org, datetime.date(2026, 3, day))
    with pytest.raises(TuitionError) as error:
        post(org)
    assert str(error.value) == "No active enrollment has tuition to bill in March 2026."
    assert not BillingRun.objects.exists()


def test_the_month_paid_at_checkout_is_not_billed_again(org, unscoped):
    klass = make_tuition_class(org, name="Guppies")
    guardian = make_family(org, students=("Zoe",))
    enrollment = make_enrollment(
        guardian.family.students.get(), klass, starts_on=datetime.date(2026, 3, 4)
    )
    with scope(organization=org.pk):
        charge_post(
            family=guardian.family,
            amount=Decimal("80.00"),
            description="First month's tuition (4 of 5 meetings in March)",
            idempotency_key="checkout-1:c1:0",
            enrollment=enrollment,
        )
        plan = tuition_plan(organization=org, month=MARCH)
        assert [line.billed for line in plan.lines] == [True]
        april = tuition_plan(organization=org, month=datetime.date(2026, 4, 1))
    assert [(line.billed, line.amount) for line in april.lines] == [
        (False, Decimal("100.00"))
    ]


# Never twice ---------------------------------------------------------------------


def test_a_second_run_shows_the_month_as_already_billed(client, org, world, unscoped):
    first = post(org)
    with pytest.raises(TuitionError) as error:
        post(org, key="run-2")
    assert error.value.message == (
        "The tuition of every enrollment in March 2026 is already billed: "
        "nothing was posted."
    )
    assert BillingRun.objects.count() == 1
    # A new enrollment since: the second run posts it alone.
    guardian = make_family(org, last_name="Okafor", students=("Ife",))
    newcomer = make_enrollment(guardian.family.students.get(), world["monthly"])
    second = post(org, key="run-3")
    assert (second.posted_count, second.already_billed_count) == (1, 3)
    assert len(charges(org)) == 4
    assert [c.enrollment_id for c in charges(org)].count(newcomer.pk) == 1

    staff = make_staff(org)
    client.force_login(staff)
    html = client.get(reverse("billing_tuition_run", args=[second.pk])).content.decode()
    assert html.count("Already billed") >= 3
    assert "Okafor" in html and "Posted for Okafor" in html
    # The first run's page and the history list both runs.
    listing = client.get(reverse("billing_tuition")).content.decode()
    assert listing.count("March 2026") == 2
    assert reverse("billing_tuition_run", args=[first.pk]) in listing


def test_the_same_form_sent_twice_posts_one_run(org, world, unscoped):
    first = post(org, key="same")
    again = post(org, key="same")
    assert again.pk == first.pk
    assert BillingRun.objects.count() == 1 and len(charges(org)) == 3


def test_two_runs_posting_at_once_post_each_month_once(
    org, world, monkeypatch, unscoped
):
    """Both runs read the ledger before either posted (the moment a race
    gives): the second finds each charge by its key, its lines are refused
    by the one-run-per-enrollment-month constraint, and it saves nothing."""
    with scope(organization=org.pk):
        stale = tuition_plan(organization=org, month=MARCH)
    assert len(stale.to_post) == 3
    post(org, key="first")
    monkeypatch.setattr(tuition, "tuition_plan", lambda **kwargs: stale)
    with pytest.raises(TuitionError):
        post(org, key="second")
    assert len(charges(org)) == 3
    assert BillingRun.objects.count() == 1
    assert BillingRunLine.objects.filter(status="posted").count() == 3


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent runs need PostgreSQL (set DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
# Beside the seat race tests (50 connections), never at the same time.
@pytest.mark.xdist_group("many_connections")
def test_two_runs_in_threads_post_each_month_once(org):
    world = families_of(org)
    start = threading.Barrier(2)
    outcomes = []

    def run(key):
        try:
            with scope(organization=org.pk):
                start.wait()
                outcomes.append(post(org, key=key).posted_count)
        except TuitionError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(k,)) for k in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [3, "already_billed"]
    with scopes_disabled():
        keys = list(
            LedgerEntry.objects.filter(enrollment=world["mia"]).values_list(
                "idempotency_key", flat=True
            )
        )
    assert keys == [f"tuition:{world['mia'].pk}:2026-03"]


# Charging stored methods -----------------------------------------------------------


def test_charging_takes_approved_methods_and_lists_declines(
    client, org, world, unscoped, django_capture_on_commit_callbacks
):
    make_payment_method(world["rivera"], is_default=True, recurring_authorized=True)
    # The Chens' card declines (sandbox: last four 0002).
    make_payment_method(
        world["chen"], last4="0002", is_default=True, recurring_authorized=True
    )
    run = post(org)
    staff = make_staff(org, first_name="Dana", last_name="Desk")
    client.force_login(staff)
    page = client.get(reverse("billing_tuition_run", args=[run.pk])).content.decode()
    assert "Charge stored payment methods" in page

    response = client.post(reverse("billing_tuition_charge", args=[run.pk]))
    assert response.status_code == 302

    rows = {row.family_id: row for row in BillingRunPayment.objects.all()}
    rivera = rows[world["rivera"].family_id]
    chen = rows[world["chen"].family_id]
    assert (rivera.status, rivera.amount) == ("approved", Decimal("180.00"))
    assert rivera.payment.purpose == "tuition" and rivera.payment.status == "confirmed"
    assert family_balance(family=world["rivera"].family) == Decimal("0.00")
    assert chen.status == "declined" and chen.failure_message
    assert family_balance(family=world["chen"].family) == Decimal("100.00")
    assert Payment.objects.get(pk=chen.payment_id).status == "failed"

    html = client.get(response["Location"]).content.decode()
    assert "Declined: follow up with these families" in html
    assert "Chen" in html and chen.failure_message in html
    assert "E-mailed" in html
    assert "$180.00" in html  # approved in all
    assert "Charge stored payment methods" not in html

    (message,) = mail.outbox
    assert message.to == [world["chen"].user.email]
    assert message.subject == (
        "Alpha Swim: your tuition payment for March 2026 was declined"
    )
    assert "We tried to take $100.00 for tuition for March 2026 from your Visa " in (
        message.body
    )
    assert "ending in 0002" in message.body and chen.failure_message in message.body
    assert "http://testserver/portal/alpha/account/payments/" in message.body
    html_part = message.alternatives[0][0]
    assert "$100.00" in html_part and chen.failure_message in html_part
    assert 'href="http://testserver/portal/alpha/account/payments/"' in html_part


def test_charging_twice_takes_nothing_more(org, world, unscoped):
    make_payment_method(world["rivera"], is_default=True, recurring_authorized=True)
    make_payment_method(
        world["chen"], last4="0002", is_default=True, recurring_authorized=True
    )
    run = post(org)
    with scope(organization=org.pk):
        tuition_run_charge(run=run, now=NOW)
        with pytest.raises(TuitionError):
            tuition_run_charge(run=run, now=NOW)
        # Even an interrupted run charged again (its status not saved) takes
        # each family's money once and tells the family once.
        BillingRun.objects.filter(pk=run.pk).update(status="posted")
        run.refresh_from_db()
        BillingRunPayment.objects.update(status="pending")
        tuition_run_charge(run=run, now=NOW)
    assert Payment.objects.filter(status="confirmed").count() == 1
    assert LedgerEntry.objects.filter(kind="payment").count() == 1
    assert len(mail.outbox) == 1


def test_families_without_an_authorized_method_are_listed(client, org, world, unscoped):
    # A card not authorized for recurring billing is never charged.
    make_payment_method(world["rivera"], is_default=True, recurring_authorized=False)
    run = post(org)
    with scope(organization=org.pk):
        tuition_run_charge(run=run, now=NOW)
    assert set(BillingRunPayment.objects.values_list("status", flat=True)) == {
        "no_method"
    }
    assert not Payment.objects.exists()
    client.force_login(make_staff(org))
    html = client.get(reverse("billing_tuition_run", args=[run.pk])).content.decode()
    assert "No stored method authorized for recurring billing" in html


# The admin screens ----------------------------------------------------------------


def test_preview_shows_families_and_totals_and_posts_nothing(client, org, world):
    client.force_login(make_staff(org))
    response = client.post(
        reverse("billing_tuition_new"), {"month": "2026-03", "action": "preview"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Preview: tuition for March 2026" in html
    assert "2 families, 3 charges to post, 0 already billed." in html
    assert "Total to post: $280.00" in html
    assert "Total for Rivera" in html and "$180.00" in html
    assert "Tuition, March 2026 (4 lessons) – Sharks" in html
    assert 'name="idempotency_key"' in html and "Post charges" in html
    with scopes_disabled():
        assert not LedgerEntry.objects.exists()
        assert not BillingRun.objects.exists()


def test_post_from_the_preview_then_the_same_post_again(client, org, world):
    client.force_login(make_staff(org))
    data = {"month": "2026-03", "action": "post", "idempotency_key": "k" * 32}
    first = client.post(reverse("billing_tuition_new"), data)
    with scopes_disabled():
        run = BillingRun.objects.get()
    assert first.status_code == 302
    assert first["Location"] == reverse("billing_tuition_run", args=[run.pk])
    again = client.post(reverse("billing_tuition_new"), data)
    assert again["Location"] == first["Location"]
    page = client.get(first["Location"]).content.decode()
    assert "Tuition for March 2026 posted: 3 charges." in page
    with scopes_disabled():
        assert LedgerEntry.objects.count() == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "preview"}, "Choose the month to bill."),
        ({"action": "post", "idempotency_key": "x"}, "Choose the month to bill."),
        ({"month": "March", "action": "preview"}, "Enter a month as year and month"),
        (
            {"month": "2026-03", "action": "post"},
            "Preview the run first, then post it.",
        ),
        (
            {"month": "2031-03", "action": "post", "idempotency_key": "y"},
            "No active enrollment has tuition to bill in March 2031.",
        ),
    ],
)
def test_bad_input_says_why_and_saves_nothing(client, org, world, data, message):
    client.force_login(make_staff(org))
    response = client.post(reverse("billing_tuition_new"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    with scopes_disabled():
        assert not LedgerEntry.objects.exists()
        assert not BillingRun.objects.exists()


def test_a_month_already_billed_is_refused_in_the_preview_and_the_post(
    client, org, world
):
    post(org)
    client.force_login(make_staff(org))
    text = "The tuition of every enrollment in March 2026 is already billed"
    preview = client.post(
        reverse("billing_tuition_new"), {"month": "2026-03", "action": "preview"}
    ).content.decode()
    assert text in preview and "Post charges" not in preview
    assert "0 charges to post, 3 already billed." in preview
    response = client.post(
        reverse("billing_tuition_new"),
        {"month": "2026-03", "action": "post", "idempotency_key": "again"},
    )
    assert text in response.content.decode()
    with scopes_disabled():
        assert BillingRun.objects.count() == 1 and LedgerEntry.objects.count() == 3


def test_a_location_of_another_organization_is_refused(client, org, world):
    other = make_organization(name="Bravo Gym", slug="bravo")
    with scopes_disabled():
        location = other.locations.get()
    client.force_login(make_staff(org))
    response = client.post(
        reverse("billing_tuition_new"),
        {"month": "2026-03", "action": "preview", "location": location.pk},
    )
    html = response.content.decode()
    assert "Select a valid choice" in html and "Bravo" not in html
    with scopes_disabled():
        assert not BillingRun.objects.exists()


def refused(response):
    """Wagtail answers a refused admin view with a redirect to the dashboard
    (and a "no permission" message)."""
    return response.status_code == 403 or (
        response.status_code == 302
        and response["Location"] == reverse("wagtailadmin_home")
    )


def staff_with_role(organization, role):
    user = UserFactory()
    staff_membership_create(organization=organization, user=user, role=role)
    return user


def tuition_urls(run):
    return [
        ("get", reverse("billing_tuition")),
        ("get", reverse("billing_tuition_new")),
        ("post", reverse("billing_tuition_new")),
        ("get", reverse("billing_tuition_run", args=[run.pk])),
        ("post", reverse("billing_tuition_charge", args=[run.pk])),
    ]


def test_front_desk_may_and_marketing_may_not(client, org, world):
    run = post(org)
    client.force_login(staff_with_role(org, StaffRole.MARKETING))
    for method, url in tuition_urls(run):
        response = getattr(client, method)(url, {"month": "2026-03"})
        assert refused(response), url
        assert "Guppies" not in response.content.decode()
    with scopes_disabled():
        assert not BillingRunPayment.objects.exists()
        assert BillingRun.objects.get().status == "posted"
    client.force_login(staff_with_role(org, StaffRole.FRONT_DESK))
    for method, url in tuition_urls(run):
        data = {"month": "2026-03", "action": "preview"} if method == "post" else {}
        response = getattr(client, method)(url, data)
        assert response.status_code in (200, 302) and not refused(response), url
    with scopes_disabled():
        assert BillingRun.objects.get().status == "charged"


def test_another_organizations_staff_cannot_reach_a_run(client, org, world):
    run = post(org)
    other = make_organization(name="Bravo Gym", slug="bravo")
    client.force_login(make_staff(other))
    assert client.get(reverse("billing_tuition_run", args=[run.pk])).status_code == 404
    response = client.post(reverse("billing_tuition_charge", args=[run.pk]))
    assert response.status_code == 404
    listing = client.get(reverse("billing_tuition")).content.decode()
    assert "March 2026" not in listing and "No billing run yet." in listing
    with scopes_disabled():
        assert not BillingRunPayment.objects.exists()


def test_the_run_page_costs_the_same_queries_at_two_sizes(
    client, org, django_assert_max_num_queries, unscoped
):
    klass = make_tuition_class(org)
    client.force_login(make_staff(org))

    def enroll(count):
        for n in range(count):
            guardian = make_family(org, students=(f"Kid{n}",))
            make_enrollment(guardian.family.students.get(), klass)

    enroll(2)
    small = post(org, key="small")
    enroll(12)
    big = post(org, key="big")
    assert big.posted_count == 12
    url = reverse("billing_tuition_run", args=[small.pk])
    client.get(url)  # warm caches (menus, settings)
    with django_assert_max_num_queries(30) as small_queries:
        client.get(url)
    with django_assert_max_num_queries(len(small_queries)):
        html = client.get(reverse("billing_tuition_run", args=[big.pk]))
    assert html.content.decode().count("Kid") >= 12
