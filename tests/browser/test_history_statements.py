"""Transaction History and Statements in a real browser: the filters, both
PDFs downloaded and read back, axe on both pages."""

import datetime
import re

from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.support import BROWSER, DESKTOP, PHONE, assert_no_axe_violations
from tests.factories import make_family, make_organization
from tests.factories.statements import post_charge, post_credit, post_payment

pytestmark = BROWSER

EMAIL = "dana@example.com"


def log_in(page, url, heading):
    page.goto(url)
    page.get_by_label(re.compile("^Email")).fill(EMAIL)
    page.get_by_label(re.compile("^Password")).fill("correct-horse-9")
    page.get_by_role("button", name="Log In").click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()


def history_rows(page):
    return page.locator(".history-table tbody tr")


def build():
    organization = make_organization(name="Swim School", slug="swim")
    guardian = make_family(
        organization,
        email=EMAIL,
        first_name="Dana",
        last_name="Rivera",
        students=("Mia",),
    )
    family = guardian.family
    with scopes_disabled():
        location = organization.locations.get()
        mia = family.students.get()
    start = timezone.now() - datetime.timedelta(days=6)
    tuition = post_charge(
        family, "120.00", "Spring tuition", location=location, student=mia, now=start
    )
    post_charge(
        family,
        "35.00",
        "Swim cap",
        location=location,
        now=start + datetime.timedelta(days=1),
    )
    post_payment(
        family,
        "100.00",
        charges=[tuition],
        location=location,
        now=start + datetime.timedelta(days=2),
    )
    post_credit(family, "10.00", location=location, now=start + datetime.timedelta(3))
    return organization


def downloaded_text(download, tmp_path):
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_history_filters_and_both_pdfs(live_server, new_context, axe, tmp_path):
    build()
    page = new_context(viewport=DESKTOP, accept_downloads=True).new_page()
    log_in(
        page,
        f"{live_server.url}/portal/swim/account/transactions/",
        "Transaction History",
    )

    rows = history_rows(page)
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Credit")
    expect(rows.first).to_contain_text("$45.00")  # 155 - 100 - 10 owed after it
    expect(rows.last).to_contain_text("Spring tuition")
    expect(rows.last).to_contain_text("Mia Rivera")
    assert_no_axe_violations(axe, page, "transaction history")

    page.get_by_role("link", name="Charges", exact=True).click()
    expect(page.get_by_role("link", name="Charges", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(rows).to_have_count(2)
    expect(page.locator(".history-table")).not_to_contain_text("Payment")
    page.get_by_role("link", name="Payments", exact=True).click()
    expect(rows).to_have_count(2)
    expect(page.locator(".history-table")).not_to_contain_text("Swim cap")
    page.get_by_role("link", name="Refunds", exact=True).click()
    expect(page.get_by_text("No refunds yet.")).to_be_visible()

    page.get_by_role("link", name="Statements and Ledgers").click()
    expect(
        page.get_by_role("heading", name="Statements and Ledgers", exact=True)
    ).to_be_visible()
    assert_no_axe_violations(axe, page, "statements")

    with page.expect_download() as info:
        page.get_by_role("button", name="Generate Statement for This Location").click()
    download = info.value
    assert re.fullmatch(r"statement-\d+\.pdf", download.suggested_filename)
    text = downloaded_text(download, tmp_path)
    assert "Spring tuition" in text and "Swim cap" in text
    assert "Total outstanding $55.00" in text
    assert "Credit available $10.00" in text
    assert "Page 1 of 1" in text

    with page.expect_download() as info:
        page.get_by_role("button", name="Generate Ledger for This Location").click()
    download = info.value
    assert re.fullmatch(r"ledger-\d+\.pdf", download.suggested_filename)
    text = downloaded_text(download, tmp_path)
    assert "Balance at the end of the period $45.00" in text
    assert "Payment – Visa ending in 4242" in text

    # Both are listed and download again.
    page.reload()
    links = page.get_by_role("link", name=re.compile("^Download PDF"))
    expect(links).to_have_count(2)
    with page.expect_download() as info:
        links.last.click()
    assert "Total outstanding $55.00" in downloaded_text(info.value, tmp_path)


def test_statements_page_on_a_phone_is_axe_clean(live_server, new_context, axe):
    build()
    page = new_context(viewport=PHONE).new_page()
    log_in(
        page,
        f"{live_server.url}/portal/swim/account/statements/",
        "Statements and Ledgers",
    )
    assert_no_axe_violations(axe, page, "statements, phone")
    page.get_by_role("link", name="Transaction History").click()
    expect(history_rows(page)).to_have_count(4)
    assert_no_axe_violations(axe, page, "transaction history, phone")
