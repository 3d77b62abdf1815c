"""The PDFs as a reader sees them: text read back with pypdf."""

import datetime
import io
import math
import re
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.core.files.images import ImageFile
from django_scopes import scopes_disabled
from PIL import Image as PILImage
from PIL import ImageDraw
from pypdf import PdfReader
from wagtail.images.models import Image

from portal.billing.pdf import LocalFetcher
from portal.billing.statements import (
    statement_document,
    statement_html,
    statement_issue,
    statement_pdf,
)
from portal.families.services import student_create
from tests.factories import make_family, make_image, make_organization
from tests.factories.statements import post_charge, post_payment

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2026, 3, 31, 17, 0, tzinfo=UTC)
AS_OF = datetime.date(2026, 3, 31)


@pytest.fixture
def org():
    organization = make_organization(name="Blue Lagoon Swim", slug="swim")
    with scopes_disabled():
        location = organization.locations.get()
        location.name = "Downtown Pool"
        location.address_line1 = "12 River Street"
        location.city = "Springfield"
        location.region = "IL"
        location.postal_code = "62701"
        location.phone = "217-555-0142"
        location.time_zone = "America/Chicago"
        location.save()
    return organization


@pytest.fixture
def location(org):
    with scopes_disabled():
        return org.locations.get()


@pytest.fixture
def family(org):
    return make_family(
        org, first_name="Dana", last_name="Rivera", students=("Mia",)
    ).family


def issue(family, location, kind="statement", **kw):
    with scopes_disabled():
        return statement_issue(
            family=family, location=location, kind=kind, as_of=AS_OF, now=NOW, **kw
        )


def read(statement):
    with scopes_disabled():
        return PdfReader(io.BytesIO(statement_pdf(statement)))


def test_statement_pdf_prints_header_lines_and_totals(family, location):
    with scopes_disabled():
        mia = family.students.get()
    charge = post_charge(
        family,
        "120.00",
        "Spring tuition",
        location=location,
        student=mia,
        now=NOW - datetime.timedelta(days=45),
    )
    post_payment(
        family,
        "20.50",
        charges=[charge],
        location=location,
        now=NOW - datetime.timedelta(days=1),
    )
    statement = issue(family, location)

    reader = read(statement)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in (
        "Blue Lagoon Swim",
        "Downtown Pool",
        "12 River Street",
        "Springfield, IL 62701",
        "Phone: 217-555-0142",
        "Rivera family",
        "Dana Rivera",
        "1 Main St",
        f"Statement number {statement.number}",
        "Date Mar 31, 2026",
        "Spring tuition",
        "Mia Rivera",
        "$120.00 $20.50 $99.50 45",
        "Total outstanding $99.50",
        "Page 1 of 1",
    ):
        assert expected in text, expected
    # The aging row: 45 days past due is in 31–60.
    assert "$0.00 $0.00 $99.50 $0.00 $0.00 $99.50" in text


def test_empty_statement_says_so(family, location):
    text = read(issue(family, location)).pages[0].extract_text()
    assert "Nothing is outstanding." in text
    assert "Total outstanding $0.00" in text


def test_long_ledger_repeats_the_header_and_numbers_its_pages(family, location):
    for i in range(90):
        post_charge(
            family,
            f"{i + 1}.00",
            f"Lesson number {i + 1}",
            location=location,
            now=NOW - datetime.timedelta(days=20, minutes=-i),
        )
    ledger = issue(family, location, kind="ledger")
    reader = read(ledger)
    pages = len(reader.pages)
    assert pages >= 2
    texts = [page.extract_text() for page in reader.pages]
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {pages}" in text
        assert "Date Type Student Description Charges Payments and credits Balance" in (
            text
        ), f"header missing on page {number}"
    everything = "\n".join(texts)
    assert "Lesson number 1 " in everything and "Lesson number 90 " in everything
    total = sum(Decimal(i + 1) for i in range(90))
    assert f"Balance at the end of the period ${total:,.2f}" in texts[-1]
    # Every entry printed once.
    assert len(re.findall(r"Lesson number \d+ ", everything)) == 90


def test_logo_is_printed_from_its_rendition(org, family, location):
    with scopes_disabled():
        portal_settings = org.portal_settings
        portal_settings.logo = make_image(org, "Logo", color=(200, 30, 30))
        portal_settings.save()
    statement = issue(family, location)
    reader = read(statement)
    assert len(reader.pages[0].images) == 1
    with scopes_disabled():
        html = statement_html(statement, base_url="")
    assert 'src="file://' in html
    assert 'alt="Blue Lagoon Swim"' in html


def test_without_logo_no_image(family, location):
    assert len(read(issue(family, location)).pages[0].images) == 0


def test_fetcher_reads_nothing_from_the_network_or_outside_media(settings, tmp_path):
    fetcher = LocalFetcher(allowed_protocols={"data", "file"})
    secret = tmp_path / "secret.txt"
    secret.write_text("no")
    for url in (
        "http://example.com/logo.png",
        "https://example.com/logo.png",
        secret.as_uri(),
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    media = settings.MEDIA_ROOT
    media.mkdir(parents=True, exist_ok=True)
    (media / "ok.txt").write_text("yes")
    assert fetcher.fetch((media / "ok.txt").as_uri()).url.startswith("file:")


def test_document_pages_can_be_merged_keeping_own_numbers(family, location):
    for i in range(70):
        post_charge(
            family,
            "1.00",
            f"Entry {i}",
            location=location,
            now=NOW - datetime.timedelta(days=10, minutes=-i),
        )
    with scopes_disabled():
        long_doc = statement_document(issue(family, location, kind="ledger"))
        short_doc = statement_document(issue(family, location))
    merged = long_doc.copy([*long_doc.pages, *short_doc.pages]).write_pdf()
    reader = PdfReader(io.BytesIO(merged))
    n, m = len(long_doc.pages), len(short_doc.pages)
    assert n >= 2 and m >= 2
    assert len(reader.pages) == n + m
    assert f"Page {n} of {n}" in reader.pages[n - 1].extract_text()
    assert f"Page 1 of {m}" in reader.pages[n].extract_text()
    assert f"Page {m} of {m}" in reader.pages[n + m - 1].extract_text()


def test_year_end_without_payments(org, family, location):
    with scopes_disabled():
        portal_settings = org.portal_settings
        portal_settings.tax_id = "98-7654321"
        portal_settings.save()
    text = read(issue(family, location, kind="year_end", year=2025)).pages[0]
    text = text.extract_text()
    assert "No payments for a student's charges in this year." in text
    assert "Tax ID 98-7654321" in text
    assert "Year 2025" in text


# README picture ----------------------------------------------------------------

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def _logo(org):
    """A small drawn logo (a wave in a circle), stored as a Wagtail image."""
    picture = PILImage.new("RGB", (360, 120), "white")
    draw = ImageDraw.Draw(picture)
    draw.ellipse((10, 10, 110, 110), fill=(31, 78, 121))
    for x in range(20, 100, 4):
        y = 62 + int(10 * math.sin(x / 10))
        draw.ellipse((x, y, x + 8, y + 8), fill="white")
    draw.rectangle((130, 52, 340, 68), fill=(31, 78, 121))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    image = Image(title="Logo", collection=org.collection)
    image.file = ImageFile(buffer, name="logo.png")
    image.save()
    return image


def test_readme_statement_screenshot(org, family, location):
    """docs/screenshots/statement.png: page 1 of a statement, as printed,
    rendered with pdfium."""
    with scopes_disabled():
        portal_settings = org.portal_settings
        portal_settings.logo = _logo(org)
        portal_settings.save()
        mia = family.students.get()
        leo = student_create(
            family=family,
            first_name="Leo",
            last_name="Rivera",
            date_of_birth=datetime.date(2019, 5, 2),
        )
    lines = [
        (100, "Registration fee", None, "35.00"),
        (95, "Tuition – December: Starfish 2", mia, "88.00"),
        (64, "Tuition – January: Starfish 2", mia, "88.00"),
        (64, "Tuition – January: Seahorse 1", leo, "76.00"),
        (40, "Winter splash camp (3 days)", leo, "145.00"),
        (33, "Tuition – February: Starfish 2", mia, "88.00"),
        (33, "Tuition – February: Seahorse 1", leo, "76.00"),
        (12, "Swim cap and goggles", mia, "24.50"),
        (3, "Tuition – March: Starfish 2", mia, "88.00"),
        (3, "Tuition – March: Seahorse 1", leo, "76.00"),
    ]
    charges = [
        post_charge(
            family,
            amount,
            text,
            location=location,
            student=student,
            now=NOW - datetime.timedelta(days=days),
            due_on=AS_OF - datetime.timedelta(days=days - 10),
        )
        for days, text, student, amount in lines
    ]
    post_payment(
        family,
        "150.00",
        charges=charges[:3],
        location=location,
        now=NOW - datetime.timedelta(days=60),
    )
    statement = issue(family, location)
    pdf = pdfium.PdfDocument(statement_pdf(statement))
    assert len(pdf) == 1
    picture = pdf[0].render(scale=1.25).to_pil()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    picture.save(SCREENSHOTS / "statement.png", optimize=True)
    assert picture.size == (765, 990)  # US letter at 90 dpi
