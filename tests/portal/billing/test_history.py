"""My Account > Transaction History and Statements: the pages and the PDFs
a parent downloads, who may see them, and bad input."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfReader

from portal.billing.models import EntryKind, LedgerEntry, Statement
from portal.billing.statements import local_today, statement_issue
from tests.browser.support import update_portal_settings
from tests.factories import make_family, make_organization
from tests.factories.statements import (
    post_charge,
    post_credit,
    post_payment,
    post_refund,
)

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def org():
    organization = make_organization(name="Swim School", slug="swim")
    with scopes_disabled():
        location = organization.locations.get()
        location.time_zone = "America/Chicago"
        location.save()
    return organization


@pytest.fixture
def location(org):
    with scopes_disabled():
        return org.locations.get()


@pytest.fixture
def guardian(org):
    return make_family(org, first_name="Dana", last_name="Rivera", students=("Mia",))


@pytest.fixture
def family(guardian):
    return guardian.family


@pytest.fixture
def parent(client, guardian):
    client.force_login(guardian.user)
    return client


def url(org, path):
    return f"/portal/{org.slug}/account/{path}"


def html_of(response):
    return response.content.decode()


def pdf_text(response):
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def issue(family, location, kind="statement"):
    with scopes_disabled():
        return statement_issue(
            family=family, location=location, kind=kind, as_of=timezone.localdate()
        )


def key_of(html, action):
    form = re.search(
        rf'action="[^"]*/statements/new/{action}/".*?</form>', html, re.DOTALL
    )[0]
    return re.search(r'name="idempotency_key" value="([0-9a-f]+)"', form)[1]


def statements_count():
    with scopes_disabled():
        return Statement.objects.count()


# Transaction History ------------------------------------------------------------


def _history(family, location):
    with scopes_disabled():
        mia = family.students.get()
    base = timezone.now() - datetime.timedelta(days=5)
    charge = post_charge(
        family,
        "100.00",
        "Spring tuition",
        location=location,
        student=mia,
        now=base,
    )
    payment = post_payment(
        family,
        "60.00",
        charges=[charge],
        location=location,
        now=base + datetime.timedelta(days=1),
    )
    post_credit(family, "50.00", location=location, now=base + datetime.timedelta(2))
    post_refund(
        family,
        "5.00",
        payment_entry=payment,
        location=location,
        now=base + datetime.timedelta(days=3),
    )


def rows_of(html):
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.DOTALL)[1]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    ]


def test_history_all_newest_first_with_running_balance(parent, org, family, location):
    _history(family, location)
    response = parent.get(url(org, "transactions/"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    rows = rows_of(html_of(response))
    assert [row[3].split()[0] for row in rows] == [
        "Refund",
        "Credit",
        "Payment",
        "Spring",
    ]
    assert [row[-1] for row in rows] == ["-$5.00", "-$10.00", "$40.00", "$100.00"]
    assert [row[4] for row in rows] == ["$5.00", "-$50.00", "-$60.00", "$100.00"]
    assert rows[3][1] == "Location 1"
    assert rows[3][2] == "Mia Rivera"
    assert 'aria-current="page">All<' in html_of(response)


def test_history_dates_are_in_the_locations_zone(parent, org, family, location):
    # 03:00 UTC on March 1 is still February 28 in Chicago.
    post_charge(
        family,
        "10.00",
        "Late charge",
        location=location,
        now=datetime.datetime(2026, 3, 1, 3, 0, tzinfo=datetime.UTC),
    )
    html = html_of(parent.get(url(org, "transactions/")))
    assert "Feb 28, 2026" in html
    assert "Mar 1, 2026" not in html


@pytest.mark.parametrize(
    ("kind", "first_words"),
    [
        ("charges", ["Spring"]),
        ("payments", ["Credit", "Payment"]),
        ("refunds", ["Refund"]),
    ],
)
def test_history_filters(parent, org, family, location, kind, first_words):
    _history(family, location)
    html = html_of(parent.get(url(org, f"transactions/?kind={kind}")))
    rows = rows_of(html)
    assert [row[3].split()[0] for row in rows] == first_words
    assert all(len(row) == 5 for row in rows)  # no running balance column
    assert ">Balance<" not in html
    assert f'href="?kind={kind}" aria-current="page"' in html


def test_history_unknown_filter_shows_all_and_empty_says_so(parent, org):
    html = html_of(parent.get(url(org, "transactions/?kind=bogus")))
    assert "No transactions yet." in html
    html = html_of(parent.get(url(org, "transactions/?kind=refunds")))
    assert "No refunds yet." in html


def bulk_entries(family, location, count):
    """`count` charges in one insert (the services' speed is not measured)."""
    start = timezone.now() - datetime.timedelta(days=count)
    with scopes_disabled():
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                organization_id=family.organization_id,
                family=family,
                location=location,
                kind=EntryKind.CHARGE,
                amount=D("1.00"),
                description=f"Bulk charge {i + 1}",
                posted_at=start + datetime.timedelta(hours=i),
                idempotency_key=f"bulk-{family.pk}-{i}",
            )
            for i in range(count)
        )


def test_history_pagination_keeps_the_filter(parent, org, family, location):
    bulk_entries(family, location, 60)
    html = html_of(parent.get(url(org, "transactions/?kind=charges")))
    assert len(rows_of(html)) == 25
    assert "Page 1 of 3" in html
    assert 'href="?kind=charges&amp;page=2"' in html
    page3 = html_of(parent.get(url(org, "transactions/?kind=all&page=3")))
    rows = rows_of(page3)
    assert len(rows) == 10
    # The oldest entry is last, with a running balance of one charge.
    assert rows[-1][3].startswith("Bulk charge 1 ")
    assert rows[-1][-1] == "$1.00"
    assert rows[0][-1] == "$10.00"
    assert "Page 3 of 3" in page3
    assert 'href="?kind=all&amp;page=2"' in page3
    # A page past the end shows the last one.
    assert "Page 3 of 3" in html_of(parent.get(url(org, "transactions/?page=99")))


@pytest.mark.parametrize("count", [10, 5000])
def test_history_queries_do_not_grow(
    parent, org, family, location, count, django_assert_max_num_queries
):
    bulk_entries(family, location, count)
    with django_assert_max_num_queries(12):
        response = parent.get(url(org, "transactions/"))
    assert response.status_code == 200
    assert f"Bulk charge {count} " in html_of(response)
    assert f"${count:,}.00" in html_of(response)


# Statements page, issuing and downloads -------------------------------------------


def test_account_page_links_history_and_statements(parent, org):
    html = html_of(parent.get(url(org, "")))
    assert f'href="/portal/{org.slug}/account/transactions/"' in html
    assert f'href="/portal/{org.slug}/account/statements/"' in html


def test_statements_page_offers_the_three_without_date_range(parent, org, location):
    response = parent.get(url(org, "statements/"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = html_of(response)
    assert "Generate Statement for This Location" in html
    assert "Generate Ledger for This Location" in html
    assert "last 30 days" in html
    assert 'name="period_start"' not in html
    year = local_today(location).year
    assert f'<option value="{year}" selected>' in html


def test_generate_statement_downloads_the_pdf(parent, org, family, location):
    post_charge(family, "42.50", "Swim cap and goggles", location=location)
    key = key_of(html_of(parent.get(url(org, "statements/"))), "statement")
    response = parent.post(
        url(org, "statements/new/statement/"), {"idempotency_key": key}
    )
    assert response.status_code == 302
    with scopes_disabled():
        statement = Statement.objects.get()
    assert response["Location"] == url(org, f"statements/{statement.pk}/pdf/")
    pdf = parent.get(response["Location"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == (
        f'attachment; filename="statement-{statement.number}.pdf"'
    )
    assert "no-store" in pdf["Cache-Control"]
    text = pdf_text(pdf)
    assert "Swim cap and goggles" in text
    assert "Total outstanding $42.50" in text
    assert "Rivera family" in text
    # A double submit issues once.
    again = parent.post(url(org, "statements/new/statement/"), {"idempotency_key": key})
    assert again["Location"] == response["Location"]
    assert statements_count() == 1
    # The issued statement is listed with its download link.
    html = html_of(parent.get(url(org, "statements/")))
    assert f'href="{response["Location"]}"' in html
    assert "$42.50" in html


def test_generate_ledger_and_year_end(parent, org, family, location):
    post_charge(family, "30.00", "Lessons", location=location)
    html = html_of(parent.get(url(org, "statements/")))
    ledger = parent.post(
        url(org, "statements/new/ledger/"),
        # Dates are ignored while the full history is off.
        {"idempotency_key": key_of(html, "ledger"), "period_start": "2000-01-01"},
    )
    assert ledger.status_code == 302
    with scopes_disabled():
        row = Statement.objects.get(kind="ledger")
    today = local_today(location)
    assert row.period_end - row.period_start == datetime.timedelta(days=29)
    assert "Lessons" in pdf_text(parent.get(ledger["Location"]))
    year = parent.post(
        url(org, "statements/new/year-end/"),
        {"idempotency_key": key_of(html, "year-end"), "year": str(today.year)},
    )
    assert year.status_code == 302
    download = parent.get(year["Location"])
    assert download["Content-Disposition"].startswith(
        'attachment; filename="year-end-statement-'
    )
    assert f"Year {today.year}" in pdf_text(download)


def test_ledger_with_full_history_takes_a_range(parent, org, family, location):
    update_portal_settings(org, show_full_ledger_history=True)
    post_charge(
        family,
        "11.00",
        "Old lessons",
        location=location,
        now=timezone.now() - datetime.timedelta(days=200),
    )
    html = html_of(parent.get(url(org, "statements/")))
    assert 'name="period_start"' in html and 'type="date"' in html
    today = local_today(location)
    start = today - datetime.timedelta(days=365)
    response = parent.post(
        url(org, "statements/new/ledger/"),
        {
            "idempotency_key": key_of(html, "ledger"),
            "period_start": start.isoformat(),
            "period_end": today.isoformat(),
        },
    )
    assert response.status_code == 302
    pdf = parent.get(response["Location"])
    assert "Old lessons" in pdf_text(pdf)


def _field_group(html, name):
    """The HTML from a field's label to the next field's label."""
    match = re.search(rf'<label for="id_{name}".*?(?=<label|<button)', html, re.DOTALL)
    return match[0]


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        (
            {"period_start": "", "period_end": "2026-01-01"},
            "period_start",
            "Enter the first day.",
        ),
        (
            {"period_start": "2026-02-01", "period_end": "2026-01-01"},
            "period_start",
            "The first day must be on or before the last day.",
        ),
        (
            {"period_start": "2026-01-01", "period_end": "2999-01-01"},
            "period_end",
            "The last day cannot be after today.",
        ),
        (
            {"period_start": "soon", "period_end": "2026-01-01"},
            "period_start",
            "Enter a valid date.",
        ),
        (
            {"period_start": "2001-01-01", "period_end": "2026-01-01"},
            "period_start",
            "Choose a range of at most five years.",
        ),
    ],
)
def test_bad_ledger_range_is_shown_next_to_the_field(
    parent, org, posted, field, message
):
    update_portal_settings(org, show_full_ledger_history=True)
    html = html_of(parent.get(url(org, "statements/")))
    response = parent.post(
        url(org, "statements/new/ledger/"),
        {"idempotency_key": key_of(html, "ledger"), **posted},
    )
    assert response.status_code == 400
    page = html_of(response)
    assert message in _field_group(page, field)
    assert 'aria-invalid="true"' in _field_group(page, field)
    assert statements_count() == 0


def test_bad_year_and_missing_key_are_refused(parent, org):
    html = html_of(parent.get(url(org, "statements/")))
    response = parent.post(
        url(org, "statements/new/year-end/"),
        {"idempotency_key": key_of(html, "year-end"), "year": "1990"},
    )
    assert response.status_code == 400
    assert "Choose one of the years listed." in _field_group(html_of(response), "year")
    response = parent.post(url(org, "statements/new/statement/"), {})
    assert response.status_code == 400
    assert "This form has expired. Reload the page and try again." in html_of(response)
    assert statements_count() == 0


def test_unknown_kind_and_get_are_refused(parent, org):
    assert parent.post(url(org, "statements/new/invoice/"), {}).status_code == 404
    assert parent.get(url(org, "statements/new/statement/")).status_code == 405
    assert statements_count() == 0


# Who may see what ---------------------------------------------------------------------


PAGES = ("transactions/", "statements/")


def test_anonymous_is_sent_to_log_in(client, org, family, location):
    statement = issue(family, location)
    for path in (*PAGES, f"statements/{statement.pk}/pdf/"):
        response = client.get(url(org, path))
        assert response.status_code == 302
        assert response["Location"].startswith(f"/portal/{org.slug}/login/")
    response = client.post(
        url(org, "statements/new/statement/"), {"idempotency_key": "k"}
    )
    assert response.status_code == 302
    assert statements_count() == 1


def test_other_familys_statement_is_404(parent, org, location):
    stranger = make_family(org, last_name="Stranger").family
    post_charge(stranger, "77.00", "Their charge", location=location)
    theirs = issue(stranger, location)
    assert parent.get(url(org, f"statements/{theirs.pk}/pdf/")).status_code == 404
    for path in PAGES:
        html = html_of(parent.get(url(org, path)))
        assert "Their charge" not in html and "$77.00" not in html


def test_wrong_tenant_is_404(client, org, guardian, family, location):
    mine = issue(family, location)
    gym = make_organization(slug="gym")
    gym_guardian = make_family(gym, last_name="Gymfamily")
    with scopes_disabled():
        gym_location = gym.locations.get()
    post_charge(gym_guardian.family, "88.00", "Gym charge", location=gym_location)
    theirs = issue(gym_guardian.family, gym_location)
    # A swim family reaching the gym's statement through the swim portal,
    # and its own statement through the gym portal.
    client.force_login(guardian.user)
    assert client.get(url(org, f"statements/{theirs.pk}/pdf/")).status_code == 404
    for path in (*PAGES, f"statements/{mine.pk}/pdf/"):
        response = client.get(f"/portal/gym/account/{path}")
        assert response.status_code == 302  # not a gym family: Log In there
    # A gym family through the gym portal cannot reach the swim statement.
    client.force_login(gym_guardian.user)
    assert (
        client.get(f"/portal/gym/account/statements/{mine.pk}/pdf/").status_code == 404
    )
    html = html_of(client.get("/portal/gym/account/transactions/"))
    assert "Gym charge" in html
    for path in PAGES:
        html = html_of(client.get(f"/portal/gym/account/{path}"))
        assert "Rivera" not in html
