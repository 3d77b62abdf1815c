import pytest
from django_scopes import ScopeError, scopes_disabled

from portal.tenancy.models import Location, PortalMode
from tests.factories import make_organization

pytestmark = pytest.mark.django_db


def test_unknown_slug_is_404(client):
    make_organization(slug="known")
    assert client.get("/portal/unknown/").status_code == 404
    assert client.get("/portal/unknown/home/").status_code == 404


def test_portal_off_is_404_everywhere(client):
    org = make_organization(slug="closed", mode=PortalMode.OFF)
    assert client.get("/portal/closed/").status_code == 404
    assert client.get("/portal/closed/home/").status_code == 404
    assert client.get("/portal/closed/news/").status_code == 404
    with scopes_disabled():
        org.portal_settings.mode = PortalMode.ACTIVE
        org.portal_settings.save()
    assert client.get("/portal/closed/home/").status_code == 200


def test_setup_mode_shows_preview_banner(client):
    make_organization(slug="prep", mode=PortalMode.SETUP)
    make_organization(slug="live", mode=PortalMode.ACTIVE)
    assert "banner-preview" in client.get("/portal/prep/home/").content.decode()
    assert "banner-preview" not in client.get("/portal/live/home/").content.decode()
    assert "banner-preview" in client.get("/portal/prep/").content.decode()


def test_legacy_parent_portal_redirects_permanently(client):
    make_organization(slug="swim")
    response = client.get("/parentportal/swim/news/?page=2")
    assert response.status_code == 301
    assert response["Location"] == "/portal/swim/news/?page=2"
    response = client.get("/parentportal/swim")
    assert response.status_code == 301
    assert response["Location"] == "/portal/swim/"


def test_request_carries_organization_and_primary_location(client):
    org = make_organization(slug="two", locations=2)
    response = client.get("/portal/two/home/")
    request = response.wsgi_request
    assert request.organization == org
    assert request.location.is_primary
    assert len(request.locations) == 2


def test_tenant_query_outside_a_scope_raises():
    make_organization()
    with pytest.raises(ScopeError):
        list(Location.objects.all())


def test_scope_limits_queries_to_the_requested_organization(client):
    make_organization(slug="aaa", locations=1)
    make_organization(slug="bbb", locations=2)
    response = client.get("/portal/aaa/home/")
    assert [loc.organization.slug for loc in response.wsgi_request.locations] == ["aaa"]


# Addresses whose account name the middleware cannot accept: each is a 404,
# never a view running without an organization.
BAD_ACCOUNT_NAMES = [
    "DEMO",  # uppercase
    "Demo",
    "demo_x",  # underscore
    "demo.x",  # dot
    "démo",  # unicode
    "demo-",  # trailing hyphen
    "-demo",  # leading hyphen
    "de--mo",  # double hyphen
]
PORTAL_ADDRESSES = [
    "",  # landing (Wagtail's catch-all)
    "home/",
    "booking/",
    "login/",
    "register/",
    "account/",
    "account/students/add/",
    "news/",  # Wagtail's catch-all
    "policies/liability-waiver/",  # Wagtail's catch-all
]


@pytest.mark.parametrize("name", BAD_ACCOUNT_NAMES)
def test_account_names_the_middleware_refuses_are_404(client, name):
    make_organization(slug="demo")
    for address in PORTAL_ADDRESSES:
        response = client.get(f"/portal/{name}/{address}")
        assert response.status_code == 404, (name, address, response.status_code)
    assert client.post(f"/portal/{name}/login/", {}).status_code == 404
    assert client.get(f"/parentportal/{name}/home/").status_code == 404


def test_a_good_account_name_still_reaches_every_kind_of_page(client):
    make_organization(slug="swim-2")
    for address in ["", "home/", "booking/", "login/", "news/"]:
        assert client.get(f"/portal/swim-2/{address}").status_code == 200, address
