"""Parents browse camps and parties without logging in."""

import datetime
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from portal.catalog.models import Blackout, Event, PartyPackage, PartySlot
from portal.catalog.services import record_create

from .support import BROWSER, assert_no_axe_violations, build_portal

pytestmark = BROWSER


def build_camps_and_parties():
    organization = build_portal(welcome=False)
    today = timezone.localdate()
    with scopes_disabled():
        location = organization.locations.get(is_primary=True)
        record_create(
            Event,
            organization=organization,
            name="Summer Splash Camp",
            location=location,
            start_date=today + datetime.timedelta(days=7),
            end_date=today + datetime.timedelta(days=11),
            daily_start=datetime.time(9),
            daily_end=datetime.time(15),
            price=Decimal("250.00"),
            price_per_day=Decimal("60.00"),
            min_age_years=5,
            max_age_years=12,
        )
        record_create(
            Blackout,
            organization=organization,
            name="Pool maintenance",
            start_date=today + datetime.timedelta(days=8),
            end_date=today + datetime.timedelta(days=8),
        )
        # A camp whose every day is closed.
        record_create(
            Event,
            organization=organization,
            name="Flooded Camp",
            location=location,
            start_date=today + datetime.timedelta(days=20),
            end_date=today + datetime.timedelta(days=21),
            daily_start=datetime.time(9),
            daily_end=datetime.time(15),
            price=Decimal("100.00"),
        )
        record_create(
            Blackout,
            organization=organization,
            name="Flood repairs",
            start_date=today + datetime.timedelta(days=20),
            end_date=today + datetime.timedelta(days=21),
        )
        package = record_create(
            PartyPackage,
            organization=organization,
            name="Pool Party",
            price=Decimal("300.00"),
            deposit=Decimal("50.00"),
        )
        start = timezone.now().replace(minute=0, second=0, microsecond=0)
        for days in (3, 4):
            record_create(
                PartySlot,
                organization=organization,
                location=location,
                starts_at=start + datetime.timedelta(days=days),
            )
    return package


def test_browse_a_camp_and_party_times(portal_url, page, axe):
    build_camps_and_parties()

    response = page.goto(portal_url("swim", "booking/events/"))
    assert response.status == 200
    expect(page.get_by_role("heading", level=1, name="Camps")).to_be_visible()
    expect(page.get_by_text("20 openings")).to_be_visible()
    flooded = page.locator(".card", has_text="Flooded Camp")
    expect(flooded).to_contain_text("Cancelled")
    expect(flooded).to_contain_text("falls in a closure (Flood repairs)")
    expect(flooded).not_to_contain_text("opening")
    expect(flooded.get_by_role("link")).to_have_count(0)
    assert_no_axe_violations(axe, page, "camps list")

    page.get_by_role("link", name="Summer Splash Camp", exact=True).click()
    expect(
        page.get_by_role("heading", level=1, name="Summer Splash Camp")
    ).to_be_visible()
    expect(page.get_by_text("Cancelled: Pool maintenance")).to_be_visible()
    expect(page.get_by_text("$60.00 per day")).to_be_visible()
    assert_no_axe_violations(axe, page, "camp detail")

    page.goto(portal_url("swim", "booking/parties/"))
    page.get_by_role("link", name="See open times for Pool Party").click()
    expect(
        page.get_by_role("heading", level=2, name="Open times for Pool Party")
    ).to_be_visible()
    expect(page.locator("ul.party-times li")).to_have_count(2)
    assert_no_axe_violations(axe, page, "party times")
