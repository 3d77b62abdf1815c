import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from pages.models import NewsPage, PolicyPage, PortalHomePage, StaffPage
from portal.accounts.models import User
from portal.billing.models import GatewayAccount, LedgerEntry, PaymentMethod
from portal.billing.selectors import family_totals
from portal.catalog.models import (
    Blackout,
    Class,
    Event,
    PartyPackage,
    PartySlot,
    Program,
)
from portal.enrollments.models import Enrollment
from portal.families.models import Family, Student
from portal.tenancy.models import Location, Organization, PortalMode, StaffMembership

pytestmark = pytest.mark.django_db


def _counts():
    with scopes_disabled():
        return {
            "orgs": Organization.objects.count(),
            "locations": Location.objects.count(),
            "news": NewsPage.objects.count(),
            "landing": NewsPage.objects.filter(show_on_landing=True).count(),
            "staff_pages": StaffPage.objects.count(),
            "policies": PolicyPage.objects.count(),
            "staff": StaffMembership.objects.count(),
            "users": User.objects.count(),
            "families": Family.objects.count(),
            "students": Student.objects.count(),
            "programs": Program.objects.count(),
            "classes": Class.objects.count(),
            "camps": Event.objects.count(),
            "party_packages": PartyPackage.objects.count(),
            "blackouts": Blackout.objects.count(),
            "enrollments": Enrollment.objects.count(),
            "payment_methods": PaymentMethod.objects.count(),
            "gateways": GatewayAccount.objects.count(),
            "ledger_entries": LedgerEntry.objects.count(),
        }


def org_settings_tax_id():
    return Organization.objects.get(slug="demo").portal_settings.tax_id


def test_seed_demo_is_complete_and_idempotent(client):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    assert first == {
        "orgs": 1,
        "locations": 2,
        "news": 4,
        "landing": 3,
        "staff_pages": 1,
        "policies": 4,
        "staff": 3,
        "users": 5,
        "families": 2,
        "students": 5,
        "programs": 3,
        "classes": 42,
        "camps": 3,
        "party_packages": 2,
        "blackouts": 1,
        "enrollments": 5,
        "payment_methods": 2,
        "gateways": 1,
        "ledger_entries": first["ledger_entries"],
    }
    # The demo family owes this month's tuition and holds a credit to apply.
    with scopes_disabled():
        family = Family.objects.get(guardians__user__email="parent@example.com")
        balance, credit = family_totals(family=family)
        assert first["ledger_entries"] >= 8
        assert balance > 0 and credit == Decimal("20.00")
        assert org_settings_tax_id() == "12-3456789"
    with scopes_disabled():
        assert PartySlot.objects.count() == 24
        locations_used = set(Class.objects.values_list("location", flat=True))
        assert len(locations_used) == 2
    org = Organization.objects.get(slug="demo")
    assert org.name == "Splash Academy"
    assert org.portal_settings.mode == PortalMode.ACTIVE
    home = PortalHomePage.objects.get(organization=org)
    assert home.welcome_enabled
    assert StaffPage.objects.get().members.count() == 4
    assert all(p.image_id for p in NewsPage.objects.all())
    # The alt text of a news picture is the image's own description.
    assert {p.image.description for p in NewsPage.objects.all()} == {
        "A swimming pool with lane ropes"
    }
    for url in ("/portal/demo/", "/portal/demo/home/", "/portal/demo/news/"):
        assert client.get(url).status_code == 200
    response = client.post(
        "/portal/demo/login/",
        {"email": "parent@example.com", "password": "portico-demo"},
    )
    assert response["Location"] == "/portal/demo/home/"  # policies already answered
    assert "Mia" in client.get("/portal/demo/account/").content.decode()
    dashboard = client.get("/portal/demo/home/").content.decode()
    assert "Coming Up!" in dashboard and 'class="meeting' in dashboard
    client.post("/portal/demo/logout/")
    assert client.login(email="admin@example.com", password="portico-admin")
    assert client.get("/admin/").status_code == 200
    # Staff in each role, each with what the role allows.
    with scopes_disabled():
        roles = {
            m.user.email: m.role
            for m in StaffMembership.objects.select_related("user").filter(
                organization__slug="demo"
            )
        }
    assert roles == {
        "admin@example.com": "manager",
        "desk@example.com": "front_desk",
        "marketing@example.com": "marketing",
    }
    client.logout()
    assert client.login(email="desk@example.com", password="portico-admin")
    assert client.get("/admin/family/").status_code == 200
    assert client.get("/admin/staff/").status_code in (302, 403)


def test_seed_demo_second_run_only_reads(django_assert_max_num_queries):
    """When the demo is there, `make demo` re-runs the seed in a blink."""
    call_command("seed_demo", stdout=io.StringIO())
    # About one read per seeded area (and the scoped setup around them).
    with django_assert_max_num_queries(32):
        call_command("seed_demo", stdout=io.StringIO())
