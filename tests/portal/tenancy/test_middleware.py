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
