"""Print statements in a batch from the admin: rows chosen on the families
listing, the batch form, the progress bar that follows the worker by itself,
and the one PDF downloaded; axe on the form and the batch page."""

import io
import re

from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect
from pypdf import PdfReader

from portal.billing.models import BatchStatus, StatementBatch
from portal.tenancy.models import StaffRole
from tests.factories import make_organization
from tests.factories.batch import (
    locations_of,
    make_owing_family,
    make_staff_with_role,
)

from .support import BROWSER, DESKTOP, assert_no_axe_violations

pytestmark = BROWSER


def logged_in_page(new_context, live_server, user):
    """A browser page carrying a session of this user (no login form)."""
    client = Client()
    client.force_login(user)
    context = new_context(viewport=DESKTOP, accept_downloads=True)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()


def set_batch(batch, **fields):
    """What the worker writes as it goes, done from the test."""
    with scopes_disabled():
        StatementBatch.objects.filter(pk=batch.pk).update(**fields)


def test_front_desk_prints_chosen_families_and_follows_the_progress(
    live_server, new_context, axe
):
    org = make_organization(name="Swim School", slug="swim")
    pool = locations_of(org)[0]
    adams = make_owing_family(org, "Adams", ["80", "40"], location=pool)
    baker = make_owing_family(org, "Baker", ["30"], location=pool)
    make_owing_family(org, "Clark", ["15"], location=pool)
    desk = make_staff_with_role(org, StaffRole.FRONT_DESK, first_name="Dana")
    page = logged_in_page(new_context, live_server, desk)

    # The families listing: choose two rows, then Print statements.
    page.goto(live_server.url + reverse("family:index"))
    for family in (adams, baker):
        page.locator(
            f'input[data-bulk-action-checkbox][data-object-id="{family.pk}"]'
        ).check()
    page.get_by_role("link", name="Print statements for the chosen families").click()

    expect(page.get_by_role("heading", name="New statement batch")).to_be_visible()
    expect(
        page.get_by_role("heading", name="2 families chosen on the families listing")
    ).to_be_visible()
    expect(
        page.get_by_label("The 2 families chosen on the families listing")
    ).to_be_checked()
    assert_no_axe_violations(axe, page, "new statement batch")
    page.get_by_role("button", name="Print statements").click()

    # The batch ran (the test backend runs tasks at once): 100 % and the PDF.
    expect(page.get_by_role("heading", name="Statement batch")).to_be_visible()
    bar = page.locator("progress#batch-progress-bar")
    progress_text = page.locator("#batch-progress-text")
    expect(bar).to_have_attribute("value", "100")
    expect(progress_text).to_contain_text("2 of 2 families")
    link = page.get_by_role("link", name="Download the statements (PDF)")
    expect(link).to_be_visible()
    assert_no_axe_violations(axe, page, "statement batch, done")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert re.fullmatch(
        r"statements-\d{4}-\d\d-\d\d-location-1\.pdf", download.suggested_filename
    )
    with open(download.path(), "rb") as f:
        pages = [p.extract_text() for p in PdfReader(io.BytesIO(f.read())).pages]
    assert len(pages) == 2
    assert "Adams" in pages[0] and "$120.00" in pages[0] and "Page 1 of 1" in pages[0]
    assert "Baker" in pages[1] and "$30.00" in pages[1]
    assert not any("Clark" in text for text in pages)

    # While a worker prints, the bar follows the batch row without a reload.
    with scopes_disabled():
        batch = StatementBatch.objects.get()
        pdf_name = batch.pdf.name
    set_batch(batch, status=BatchStatus.RUNNING, done=0, pdf="")
    page.reload()
    expect(bar).to_have_attribute("value", "0")
    expect(progress_text).to_contain_text("Printing")
    expect(link).to_have_count(0)
    page.evaluate("window.stillTheSamePage = true")
    set_batch(batch, done=1)
    expect(bar).to_have_attribute("value", "50")
    expect(progress_text).to_contain_text("1 of 2 families")
    assert page.evaluate("window.stillTheSamePage === true")
    assert_no_axe_violations(axe, page, "statement batch, printing")
    set_batch(
        batch,
        done=2,
        status=BatchStatus.DONE,
        pdf=pdf_name,
        failures=[{"family_id": 0, "family": "Evans", "reason": "No address"}],
    )
    # Finished: the page loads again with the link and the family not printed.
    expect(link).to_be_visible()
    expect(bar).to_have_attribute("value", "100")
    expect(page.get_by_role("heading", name="1 family not printed")).to_be_visible()
    expect(page.get_by_role("row", name="Evans No address")).to_be_visible()
