"""Issuing statements, ledgers and year-end statements: what they hold,
numbering, idempotency, and reprints after new ledger activity."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django_scopes import scopes_disabled
from pypdf import PdfReader

from portal.billing import statements as statements_module
from portal.billing.models import Statement
from portal.billing.services import entry_reverse
from portal.billing.statements import (
    StatementError,
    history_entries,
    ledger_period_check,
    statement_issue,
    statement_pdf,
    year_choices,
)
from portal.tenancy.services import location_create
from tests.factories import make_family, make_image, make_organization
from tests.factories.statements import (
    post_charge,
    post_credit,
    post_payment,
    post_refund,
)

pytestmark = pytest.mark.django_db

D = Decimal
UTC = datetime.UTC
# Noon in Chicago on March 31, 2026.
NOW = datetime.datetime(2026, 3, 31, 17, 0, tzinfo=UTC)
AS_OF = datetime.date(2026, 3, 31)


def at(days_ago, hour=17):
    return (NOW - datetime.timedelta(days=days_ago)).replace(hour=hour)


@pytest.fixture
def org():
    organization = make_organization(name="Swim School", slug="swim")
    with scopes_disabled():
        location = organization.locations.get()
        location.time_zone = "America/Chicago"
        location.is_primary = True
        location.save()
    return organization


@pytest.fixture
def location(org):
    with scopes_disabled():
        return org.locations.get()


@pytest.fixture
def other_location(org):
    with scopes_disabled():
        return location_create(
            organization=org,
            name="North Pool",
            address_line1="9 North Road",
            city="Springfield",
            phone="555-0199",
        )


@pytest.fixture
def family(org):
    guardian = make_family(
        org, first_name="Dana", last_name="Rivera", students=("Mia", "Leo")
    )
    return guardian.family


@pytest.fixture
def kids(family):
    with scopes_disabled():
        return {s.first_name: s for s in family.students.all()}


def issue(family, location, kind="statement", **kw):
    with scopes_disabled():
        kw.setdefault("as_of", AS_OF)
        kw.setdefault("now", NOW)
        return statement_issue(family=family, location=location, kind=kind, **kw)


def pdf_text(statement):
    with scopes_disabled():
        reader = PdfReader(io.BytesIO(statement_pdf(statement)))
    return [page.extract_text() for page in reader.pages]


# Statement -------------------------------------------------------------------


def test_statement_lists_open_charges_of_the_location_with_aging(
    family, kids, location, other_location
):
    ages = {"Fresh": 0, "Ten": 10, "Forty": 40, "Seventy": 70, "Old": 120}
    for name, days in ages.items():
        post_charge(
            family,
            "10.00",
            f"{name} tuition",
            location=location,
            student=kids["Mia"],
            now=at(days),
        )
    # A due date in the future keeps an old charge current.
    post_charge(
        family,
        "5.00",
        "Camp deposit",
        location=location,
        now=at(50),
        due_on=AS_OF + datetime.timedelta(days=3),
    )
    paid = post_charge(family, "30.00", "Paid tuition", location=location, now=at(5))
    post_payment(family, "30.00", charges=[paid], location=location, now=at(4))
    post_charge(family, "99.00", "North pool lessons", location=other_location)
    # Posted without a location: counted at the primary location.
    post_charge(family, "7.00", "Swim cap", now=at(2))
    # Posted after the as-of date: not on it.
    post_charge(family, "55.00", "Next month", location=location, now=at(-2))

    statement = issue(family, location)

    content = statement.content
    descriptions = [line["description"] for line in content["lines"]]
    assert descriptions == [
        "Old tuition",
        "Seventy tuition",
        "Camp deposit",
        "Forty tuition",
        "Ten tuition",
        "Swim cap",
        "Fresh tuition",
    ]
    aging = {row["key"]: D(row["amount"]) for row in content["aging"]}
    assert aging == {
        "current": D("15.00"),
        "1_30": D("17.00"),
        "31_60": D("10.00"),
        "61_90": D("10.00"),
        "over_90": D("10.00"),
    }
    assert D(content["totals"]["outstanding"]) == D("62.00")
    assert statement.total == D("62.00")
    assert content["lines"][0]["student"] == "Mia Rivera"
    assert content["location"]["name"] == "Location 1"
    assert content["family"]["guardian"] == "Dana Rivera"
    assert content["family"]["address_lines"] == ["1 Main St", "Springfield 1"]


def test_statement_as_of_a_past_day_ignores_later_payments(family, location):
    charge = post_charge(family, "80.00", "Tuition", location=location, now=at(20))
    post_payment(family, "80.00", charges=[charge], location=location, now=at(1))
    earlier = issue(family, location, as_of=AS_OF - datetime.timedelta(days=5))
    assert D(earlier.content["totals"]["outstanding"]) == D("80.00")
    assert D(issue(family, location).content["totals"]["outstanding"]) == 0


def test_reversed_charge_is_not_outstanding(family, location):
    charge = post_charge(family, "40.00", "Wrong charge", location=location)
    with scopes_disabled():
        entry_reverse(entry=charge, reason="Posted twice", idempotency_key="rev-1")
    statement = issue(family, location, now=None, as_of=datetime.date(2099, 1, 1))
    assert statement.content["lines"] == []


def test_dates_are_in_the_locations_zone(family, location):
    # 02:00 UTC on April 1 is still March 31 in Chicago.
    post_charge(
        family,
        "12.00",
        "Late evening charge",
        location=location,
        now=datetime.datetime(2026, 4, 1, 2, 0, tzinfo=UTC),
    )
    statement = issue(
        family, location, now=datetime.datetime(2026, 4, 1, 3, 0, tzinfo=UTC)
    )
    assert statement.content["lines"][0]["date"] == "2026-03-31"
    assert statement.content["issued_on"] == "2026-03-31"


# Ledger ----------------------------------------------------------------------


def test_ledger_has_every_entry_of_the_period_with_running_balance(
    family, kids, location, other_location
):
    post_charge(family, "100.00", "Before", location=location, now=at(45))
    charge = post_charge(
        family, "80.00", "Tuition", location=location, student=kids["Leo"], now=at(20)
    )
    payment = post_payment(
        family, "120.00", charges=[charge], location=location, now=at(10)
    )
    post_refund(family, "15.00", payment_entry=payment, location=location, now=at(5))
    post_credit(family, "10.00", location=location, now=at(3))
    post_charge(family, "50.00", "Elsewhere", location=other_location, now=at(3))

    ledger = issue(family, location, kind="ledger")

    assert ledger.period_start == AS_OF - datetime.timedelta(days=29)
    assert ledger.period_end == AS_OF
    lines = ledger.content["lines"]
    assert [line["kind"] for line in lines] == ["charge", "payment", "refund", "credit"]
    assert [D(line["balance"]) for line in lines] == [
        D("180.00"),
        D("60.00"),
        D("75.00"),
        D("65.00"),
    ]
    totals = {k: D(v) for k, v in ledger.content["totals"].items()}
    assert totals == {
        "opening": D("100.00"),
        "charges": D("95.00"),
        "payments": D("130.00"),
        "closing": D("65.00"),
    }
    assert ledger.total == D("65.00")


def test_ledger_for_a_chosen_range(family, location):
    post_charge(family, "10.00", "January", location=location, now=at(80))
    post_charge(family, "20.00", "February", location=location, now=at(50))
    ledger = issue(
        family,
        location,
        kind="ledger",
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 1, 31),
    )
    assert [line["description"] for line in ledger.content["lines"]] == ["January"]
    assert ledger.content["totals"]["opening"] == "0.00"


def test_ledger_range_checks(location):
    today = datetime.date(2026, 3, 31)
    ok = ledger_period_check(
        location=location,
        period_start=datetime.date(2026, 1, 1),
        period_end=today,
        now=NOW,
    )
    assert ok == (datetime.date(2026, 1, 1), today)
    cases = [
        (None, today, "period_required", "period_start"),
        (today, None, "period_required", "period_end"),
        (today, datetime.date(2026, 3, 1), "period_order", "period_start"),
        (today, datetime.date(2026, 4, 2), "period_future", "period_end"),
        (datetime.date(2019, 1, 1), today, "period_too_long", "period_start"),
    ]
    for start, end, code, field in cases:
        with pytest.raises(StatementError) as raised:
            ledger_period_check(
                location=location, period_start=start, period_end=end, now=NOW
            )
        assert (raised.value.code, raised.value.field) == (code, field)


# Year-end statement ------------------------------------------------------------


def test_year_end_splits_the_years_payments_per_student(org, family, kids, location):
    with scopes_disabled():
        settings_row = org.portal_settings
        settings_row.tax_id = "12-3456789"
        settings_row.save()
    mia_fall = post_charge(
        family,
        "100.00",
        "Mia fall tuition",
        location=location,
        student=kids["Mia"],
        now=datetime.datetime(2025, 9, 1, 15, tzinfo=UTC),
    )
    leo_camp = post_charge(
        family,
        "60.00",
        "Leo camp",
        location=location,
        student=kids["Leo"],
        now=datetime.datetime(2025, 9, 1, 15, tzinfo=UTC),
    )
    shop = post_charge(
        family,
        "20.00",
        "Goggles",
        location=location,
        now=datetime.datetime(2025, 9, 1, 15, tzinfo=UTC),
    )
    post_payment(
        family,
        "100.00",
        charges=[mia_fall],
        location=location,
        now=datetime.datetime(2025, 9, 2, 15, tzinfo=UTC),
    )
    # Leo's camp and the goggles in one payment, 10.00 left over as credit.
    post_payment(
        family,
        "90.00",
        charges=[leo_camp, shop],
        location=location,
        now=datetime.datetime(2025, 10, 2, 15, tzinfo=UTC),
    )
    post_refund(
        family,
        "10.00",
        location=location,
        now=datetime.datetime(2025, 10, 3, 15, tzinfo=UTC),
    )
    # 03:00 UTC on Jan 1 2026 is still 2025 in Chicago.
    late = post_charge(
        family,
        "30.00",
        "Mia December",
        location=location,
        student=kids["Mia"],
        now=datetime.datetime(2025, 12, 20, tzinfo=UTC),
    )
    post_payment(
        family,
        "30.00",
        charges=[late],
        location=location,
        now=datetime.datetime(2026, 1, 1, 3, tzinfo=UTC),
    )
    # Paid in 2026 (local): not on the 2025 statement.
    january = post_charge(
        family,
        "40.00",
        "Mia January",
        location=location,
        student=kids["Mia"],
        now=datetime.datetime(2026, 1, 5, tzinfo=UTC),
    )
    post_payment(
        family,
        "40.00",
        charges=[january],
        location=location,
        now=datetime.datetime(2026, 1, 6, 15, tzinfo=UTC),
    )

    statement = issue(family, location, kind="year_end", year=2025)

    content = statement.content
    assert content["organization"]["tax_id"] == "12-3456789"
    groups = {g["name"]: g for g in content["students"]}
    assert list(groups) == ["Leo Rivera", "Mia Rivera"]
    assert D(groups["Mia Rivera"]["total"]) == D("130.00")
    assert D(groups["Leo Rivera"]["total"]) == D("60.00")
    assert [line["description"] for line in groups["Mia Rivera"]["lines"]] == [
        "Mia fall tuition",
        "Mia December",
    ]
    totals = {k: D(v) for k, v in content["totals"].items()}
    assert totals == {
        "paid": D("220.00"),
        "for_students": D("190.00"),
        "not_for_students": D("30.00"),
        "refunds": D("10.00"),
        "net": D("210.00"),
    }
    assert (statement.period_start, statement.period_end) == (
        datetime.date(2025, 1, 1),
        datetime.date(2025, 12, 31),
    )
    text = "\n".join(pdf_text(statement))
    assert "12-3456789" in text
    assert "Total for Mia Rivera $130.00" in text
    assert "Net paid in the year $210.00" in text


def test_year_choices_run_from_the_first_entry(family, location):
    with scopes_disabled():
        assert year_choices(family=family, location=location, now=NOW) == [2026]
    post_charge(
        family,
        "5.00",
        "Old",
        location=location,
        now=datetime.datetime(2024, 6, 1, tzinfo=UTC),
    )
    with scopes_disabled():
        assert year_choices(family=family, location=location, now=NOW) == [
            2026,
            2025,
            2024,
        ]


# Numbering, idempotency, reprints -------------------------------------------------


def test_numbers_count_up_per_organization(family, location):
    other = make_organization()
    other_family = make_family(other).family
    with scopes_disabled():
        other_location = other.locations.get()
    first = issue(family, location)
    second = issue(family, location, kind="ledger")
    elsewhere = issue(other_family, other_location)
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert first.content["number"] == 1


def test_a_number_taken_meanwhile_is_skipped(family, location, monkeypatch):
    """Two issuing at once pick the same number: the unique constraint
    refuses the second insert, which takes the next number."""
    first = issue(family, location)
    real = statements_module._next_number
    calls = []

    def stale(organization_id):
        calls.append(organization_id)
        # The first attempt read the maximum before `first` was saved.
        return 1 if len(calls) == 1 else real(organization_id)

    monkeypatch.setattr(statements_module, "_next_number", stale)
    second = issue(family, location)
    assert second.number == 2
    assert second.content["number"] == 2
    assert len(calls) == 2
    with scopes_disabled():
        assert Statement.objects.count() == 2
    assert first.number == 1


def test_same_key_issues_once(family, location):
    first = issue(family, location, idempotency_key="abc")
    again = issue(family, location, idempotency_key="abc")
    other = issue(family, location, idempotency_key="def")
    assert again.pk == first.pk
    assert other.pk != first.pk
    with scopes_disabled():
        assert Statement.objects.count() == 2


def test_reprint_is_identical_after_new_activity(org, family, kids, location):
    with scopes_disabled():
        settings_row = org.portal_settings
        settings_row.logo = make_image(org, "Logo")
        settings_row.save()
    charge = post_charge(
        family, "80.00", "Tuition", location=location, student=kids["Mia"], now=at(3)
    )
    statement = issue(family, location)
    ledger = issue(family, location, kind="ledger")
    assert statement.content["organization"]["logo"].startswith("images/")
    first = {s.pk: pdf_text(s) for s in (statement, ledger)}
    assert "$80.00" in first[statement.pk][0]

    post_payment(family, "80.00", charges=[charge], location=location)
    post_charge(family, "999.00", "New charge", location=location)
    with scopes_disabled():
        guardian = family.guardians.get()
        guardian.first_name = "Renamed"
        guardian.save()
        org.name = "Renamed School"
        org.save()

    for s in (statement, ledger):
        with scopes_disabled():
            reloaded = Statement.objects.get(pk=s.pk)
        assert reloaded.content == s.content
        assert pdf_text(reloaded) == first[s.pk]
    assert "999" not in "".join(first[ledger.pk])


def test_wrong_kind_and_foreign_location_are_refused(family, location):
    with pytest.raises(StatementError):
        issue(family, location, kind="invoice")
    with pytest.raises(StatementError):
        issue(family, None)
    other = make_organization()
    with scopes_disabled():
        foreign = other.locations.get()
    with pytest.raises(ValueError):
        issue(family, foreign)
    with scopes_disabled():
        assert not Statement.objects.exists()


# Transaction History selector ---------------------------------------------------


def test_history_entries_running_balance_and_filters(family, location):
    charge = post_charge(family, "100.00", "Tuition", location=location, now=at(5))
    payment = post_payment(
        family, "60.00", charges=[charge], location=location, now=at(4)
    )
    post_credit(family, "50.00", location=location, now=at(3))
    post_refund(family, "5.00", payment_entry=payment, location=location, now=at(2))
    with scopes_disabled():
        rows = list(history_entries(family=family, kind=None))
        assert [r.kind for r in rows] == ["refund", "credit", "payment", "charge"]
        assert [r.running_balance for r in rows] == [
            D("-5.00"),
            D("-10.00"),
            D("40.00"),
            D("100.00"),
        ]
        assert [r.kind for r in history_entries(family=family, kind="charges")] == [
            "charge"
        ]
        assert [r.kind for r in history_entries(family=family, kind="payments")] == [
            "credit",
            "payment",
        ]
        assert [r.kind for r in history_entries(family=family, kind="refunds")] == [
            "refund"
        ]
        with pytest.raises(StatementError):
            history_entries(family=family, kind="bogus")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: concurrent transactions (set DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
# Beside the seat race tests (50 connections), never at the same time.
@pytest.mark.xdist_group("many_connections")
def test_two_issuing_at_once_get_different_numbers(org, location):
    import threading

    from django.db import connections

    families = [make_family(org).family for _ in range(4)]
    barrier = threading.Barrier(len(families))
    numbers, errors = [], []

    def run(family):
        try:
            barrier.wait()
            numbers.append(issue(family, location).number)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(f,)) for f in families]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == [1, 2, 3, 4]
