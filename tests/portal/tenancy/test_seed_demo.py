import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from pages.models import NewsPage, PolicyPage, PortalHomePage, StaffPage
from portal.accounts.models import User
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
        }


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
        "staff": 1,
        "users": 1,
    }
    org = Organization.objects.get(slug="demo")
    assert org.name == "Splash Academy"
    assert org.portal_settings.mode == PortalMode.ACTIVE
    home = PortalHomePage.objects.get(organization=org)
    assert home.welcome_enabled
    assert StaffPage.objects.get().members.count() == 4
    assert all(p.image_id for p in NewsPage.objects.all())
    for url in ("/portal/demo/", "/portal/demo/home/", "/portal/demo/news/"):
        assert client.get(url).status_code == 200
    assert client.login(email="admin@example.com", password="portico-admin")
    assert client.get("/admin/").status_code == 200
