"""Billing reports: aging by family and payments by day and method, their
figures on the page and in the CSV, their query counts at two sizes, bad
input, and who may see them."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from portal.billing.models import Payment
from portal.billing.reports import aging_by_family, aging_totals
from portal.billing.services import charge_post, entry_reverse, payment_post
from portal.tenancy.models import StaffRole
from portal.tenancy.services import staff_membership_create
from tests.factories import UserFactory, make_family, make_organization, make_staff

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 4, 15)
AGING = reverse("billing_report_aging")
PAYMENTS = reverse("billing_report_payments")


def at(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def days_ago(days):
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(TODAY, 12), tick=False):
        yield


@pytest.fixture
def org():
    return make_organization(name="Alpha Swim", slug="alpha")


def charge(family, amount, due, key):
    return charge_post(
        family=family,
        amount=Decimal(amount),
        description=f"Tuition {key}",
        idempotency_key=key,
        due_on=due,
        now=at(due),
    )


def pay(family, amount, when, *, key, kind="card", charges=None):
    payment = Payment.objects.create(
        organization_id=family.organization_id,
        family=family,
        amount=Decimal(amount),
        status="confirmed",
        idempotency_key=key,
        gateway="sandbox",
        method_kind=kind,
        brand="Visa" if kind == "card" else "Bank",
        last4="4242",
        purpose="balance",
        created_at=when,
    )
    return payment_post(payment=payment, charges=charges, now=when)


@pytest.fixture
def books(org):
    """Rivera owes in every bucket; Okafor at the 90-day edge; Chen paid all
    (three payments on two days, and a fourth that was reversed)."""
    rivera = make_family(org, last_name="Rivera").family
    okafor = make_family(org, last_name="Okafor").family
    chen = make_family(org, last_name="Chen").family
    with scope(organization=org.pk):
        charge(rivera, "100.00", TODAY, "r1")
        charge(rivera, "50.00", days_ago(10), "r2")
        forty = charge(rivera, "40.00", days_ago(45), "r3")
        charge(rivera, "30.00", days_ago(75), "r4")
        charge(rivera, "20.00", days_ago(120), "r5")
        wrong = charge(rivera, "999.00", days_ago(20), "r6")
        entry_reverse(entry=wrong, reason="Posted by mistake", idempotency_key="r6x")
        pay(rivera, "15.00", at(days_ago(40)), key="p-r", charges=[forty])
        charge(okafor, "60.00", days_ago(90), "o1")
        charge(okafor, "10.00", days_ago(91), "o2")
        charge(chen, "125.00", days_ago(30), "c1")
        pay(chen, "70.00", at(datetime.date(2026, 4, 2), 9), key="p-c1")
        pay(chen, "30.00", at(datetime.date(2026, 4, 2), 15), key="p-c2", kind="bank")
        pay(chen, "25.00", at(datetime.date(2026, 4, 3)), key="p-c3")
        extra = pay(chen, "50.00", at(datetime.date(2026, 4, 3)), key="p-c4")
        entry_reverse(entry=extra, reason="Cheque bounced", idempotency_key="p-c4x")
    return {"rivera": rivera, "okafor": okafor, "chen": chen}


def rows_of(response):
    content = (
        b"".join(response.streaming_content)
        if response.streaming
        else (response.content)
    )
    return list(csv.reader(io.StringIO(content.decode())))


# Aging by family ---------------------------------------------------------------


def test_aging_buckets_by_days_past_due(org, books):
    with scope(organization=org.pk):
        rows = aging_by_family(organization=org, as_of=TODAY)
    totals = aging_totals(rows)
    figures = {row.name: [*row.amounts, row.total] for row in rows}
    assert figures == {
        "Okafor": [Decimal(x) for x in ("0", "0", "0", "60", "10", "70")],
        "Rivera": [Decimal(x) for x in ("100", "50", "25", "30", "20", "225")],
    }
    assert totals["families"] == 2 and totals["total"] == Decimal("295.00")
    assert totals["amounts"][4] == Decimal("30.00")


def test_aging_page_and_csv(client, org, books):
    client.force_login(make_staff(org))
    response = client.get(AGING)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Alpha Swim: 2 families owe money as of Apr 15, 2026." in html
    assert "Rivera" in html and "Okafor" in html and "Chen" not in html
    assert "$225.00" in html and "$295.00" in html
    assert "Over 90 days" in html
    assert 'href="/admin/billing/reports/aging/?format=csv"' in html

    download = client.get(AGING, {"format": "csv"})
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="aging-alpha-2026-04-15.csv"' in download["Content-Disposition"]
    assert rows_of(download) == [
        [
            "Family",
            "Current",
            "1–30 days",
            "31–60 days",
            "61–90 days",
            "Over 90 days",
            "Total",
        ],
        ["Okafor", "0.00", "0.00", "0.00", "60.00", "10.00", "70.00"],
        ["Rivera", "100.00", "50.00", "25.00", "30.00", "20.00", "225.00"],
    ]


def test_csv_cells_never_run_as_formulas(client, org):
    family = make_family(org, last_name="=HYPERLINK(1)").family
    with scope(organization=org.pk):
        charge(family, "5.00", TODAY, "f1")
    client.force_login(make_staff(org))
    rows = rows_of(client.get(AGING, {"format": "csv"}))
    assert rows[1][0] == "'=HYPERLINK(1)"


def make_owing_families(org, count, start):
    for n in range(start, start + count):
        family = make_family(org, last_name=f"Family{n:03}").family
        with scope(organization=org.pk):
            charge(family, "10.00", days_ago(n % 120), f"k{n}")
            pay(family, "3.00", at(days_ago(1)), key=f"pk{n}")


def test_report_pages_cost_the_same_queries_at_two_sizes(
    client, org, django_assert_max_num_queries
):
    client.force_login(make_staff(org))
    make_owing_families(org, 3, 0)
    for url in (AGING, PAYMENTS):
        client.get(url)  # warm caches (menus, settings)
    small = {}
    for url in (AGING, PAYMENTS):
        with django_assert_max_num_queries(30) as queries:
            client.get(url)
        small[url] = len(queries)
    make_owing_families(org, 60, 3)
    for url in (AGING, PAYMENTS):
        with django_assert_max_num_queries(small[url]):
            response = client.get(url)
        assert response.status_code == 200
    html = client.get(AGING).content.decode()
    assert "63 families owe money" in html and "Page 1 of 2" in html
    html = client.get(PAYMENTS).content.decode()
    assert "63 payments from" in html


# Payments by day and method ---------------------------------------------------------


def test_payments_by_day_page_and_csv(client, org, books):
    client.force_login(make_staff(org))
    query = {"start": "2026-04-01", "end": "2026-04-15"}
    html = client.get(PAYMENTS, query).content.decode()
    assert "Alpha Swim: 3 payments from Apr 1, 2026 to Apr 15, 2026." in html
    assert "Bank account" in html and "$125.00" in html
    assert "All days, Card" in html and "$95.00" in html
    # Rivera's payment of March and Chen's reversed one are not counted.
    assert "$15.00" not in html and "$50.00" not in html

    download = client.get(PAYMENTS, {**query, "format": "csv"})
    assert (
        "payments-alpha-2026-04-01-2026-04-15.csv" in (download["Content-Disposition"])
    )
    assert rows_of(download) == [
        ["Date", "Method", "Payments", "Amount"],
        ["2026-04-02", "Bank account", "1", "30.00"],
        ["2026-04-02", "Card", "1", "70.00"],
        ["2026-04-03", "Card", "1", "25.00"],
    ]


def test_payments_days_are_the_locations_days(client, org, books):
    with scopes_disabled():
        org.locations.update(time_zone="America/Chicago")
    client.force_login(make_staff(org))
    # 9 am UTC on April 2 is 4 am in Chicago, still April 2; the bank
    # payment at 3 pm UTC too. Nothing moves a day here, but a payment at
    # 2 am UTC on April 3 would count for April 2 in Chicago.
    family = make_family(org, last_name="Late").family
    with scope(organization=org.pk):
        pay(family, "5.00", at(datetime.date(2026, 4, 3), 2), key="late")
    rows = rows_of(
        client.get(
            PAYMENTS, {"start": "2026-04-02", "end": "2026-04-02", "format": "csv"}
        )
    )
    assert rows[1:] == [
        ["2026-04-02", "Bank account", "1", "30.00"],
        ["2026-04-02", "Card", "2", "75.00"],
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-04-10", "end": "2026-04-01"}, "The end is before the start."),
        ({"start": "2025-01-01", "end": "2026-04-01"}, "Choose at most 366 days"),
        ({"start": "soon", "end": "2026-04-01"}, "Enter a valid date."),
    ],
)
def test_payments_bad_input_says_why(client, org, books, query, message):
    client.force_login(make_staff(org))
    response = client.get(PAYMENTS, query)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "Download CSV" not in html and "$70.00" not in html
    csv_response = client.get(PAYMENTS, {**query, "format": "csv"})
    assert csv_response["Content-Type"].startswith("text/html")


# Who may see them --------------------------------------------------------------------


def refused(response):
    return response.status_code == 403 or (
        response.status_code == 302
        and response["Location"] == reverse("wagtailadmin_home")
    )


@pytest.mark.parametrize("url", [AGING, PAYMENTS])
@pytest.mark.parametrize("method", ["get", "post"])
def test_marketing_staff_are_refused(client, org, books, url, method):
    user = UserFactory()
    staff_membership_create(organization=org, user=user, role=StaffRole.MARKETING)
    client.force_login(user)
    for query in ({}, {"format": "csv"}):
        response = getattr(client, method)(url + ("?format=csv" if query else ""))
        assert refused(response)
        assert b"Rivera" not in response.content


@pytest.mark.parametrize("url", [AGING, PAYMENTS])
def test_front_desk_sees_the_reports(client, org, books, url):
    user = UserFactory()
    staff_membership_create(organization=org, user=user, role=StaffRole.FRONT_DESK)
    client.force_login(user)
    response = client.get(url, {"start": "2026-04-01", "end": "2026-04-15"})
    assert response.status_code == 200
    assert "Download CSV" in response.content.decode()


@pytest.mark.parametrize("url", [AGING, PAYMENTS])
def test_another_organizations_staff_see_nothing_of_it(client, org, books, url):
    bravo = make_organization(name="Bravo Gym", slug="bravo")
    charlie = make_organization(name="Charlie Dance", slug="charlie")
    user = make_staff(bravo)
    client.force_login(user)
    query = {"start": "2026-04-01", "end": "2026-04-15"}
    for extra in (
        {},
        {"organization": org.pk},
        {"organization": org.pk, "format": "csv"},
    ):
        # Staff of one organization never choose: Alpha's id is ignored.
        response = client.get(url, {**query, **extra})
        content = response.content.decode()
        assert response.status_code == 200
        assert "Rivera" not in content and "70.00" not in content
        assert "Alpha" not in content
    # Staff of two organizations choose one of theirs, never another's.
    staff_membership_create(organization=charlie, user=user, role=StaffRole.MANAGER)
    for extra in ({}, {"format": "csv"}):
        response = client.get(url, {**query, "organization": org.pk, **extra})
        html = response.content.decode()
        assert response.status_code == 200
        assert "Select a valid choice" in html
        assert "Rivera" not in html and "Chen" not in html and "Alpha" not in html


def test_staff_of_two_organizations_choose_one(client, org, books):
    bravo = make_organization(name="Bravo Gym", slug="bravo")
    user = make_staff(org)
    staff_membership_create(organization=bravo, user=user, role=StaffRole.FRONT_DESK)
    client.force_login(user)
    first = client.get(AGING).content.decode()
    assert "Alpha Swim: 2 families owe money" in first
    other = client.get(AGING, {"organization": bravo.pk}).content.decode()
    assert "Bravo Gym: 0 families owe money" in other and "Rivera" not in other


def test_billing_menu_for_front_desk_not_marketing(client, org):
    desk = UserFactory()
    staff_membership_create(organization=org, user=desk, role=StaffRole.FRONT_DESK)
    client.force_login(desk)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    for label in ("Billing", "Tuition billing", "Aging by family", "Payments by day"):
        assert label in html
    assert reverse("billing_tuition") in html
    marketing = UserFactory()
    staff_membership_create(organization=org, user=marketing, role=StaffRole.MARKETING)
    client.force_login(marketing)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Tuition billing" not in html and reverse("billing_tuition") not in html
