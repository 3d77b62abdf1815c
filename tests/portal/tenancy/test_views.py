import pytest
from django_scopes import scopes_disabled

from portal.tenancy.models import Location
from tests.factories import enable_welcome, make_news, make_organization

pytestmark = pytest.mark.django_db


def test_dashboard_tiles_follow_features_and_settings(client, unscoped):
    org = make_organization(slug="swim")
    html = client.get("/portal/swim/home/").content.decode()
    assert "tile-news" in html
    assert "tile-welcome" not in html
    # Features that are not built are not offered.
    for missing in ("tile-proshop", "tile-shop"):
        assert missing not in html
    for present in ("tile-booking", "tile-account", "tile-register", "tile-login"):
        assert present in html
    org.portal_settings.allow_account_creation = False
    org.portal_settings.save()
    assert "tile-register" not in client.get("/portal/swim/home/").content.decode()
    org.portal_settings.show_news = False
    org.portal_settings.save()
    html = client.get("/portal/swim/home/").content.decode()
    assert "tile-news" not in html
    assert ">News<" not in html


def test_welcome_info_opens_once_per_browser_session(client):
    org = make_organization(slug="swim")
    enable_welcome(org, title="Hello swimmers", body="<p>Bring goggles</p>")
    first = client.get("/portal/swim/home/")
    html = first.content.decode()
    assert "Hello swimmers" in html and "data-show-modal" in html
    assert "portico_welcome_swim" in first.cookies
    assert first.cookies["portico_welcome_swim"]["expires"] == ""  # session cookie
    second = client.get("/portal/swim/home/").content.decode()
    assert "Hello swimmers" in second  # still in the page for the tile
    assert "data-show-modal" not in second
    assert "tile-welcome" in second
    relaunch = client.get("/portal/swim/home/?welcome=1").content.decode()
    assert "data-show-modal" in relaunch


def test_location_switch_remembers_choice(client):
    org = make_organization(slug="swim", locations=2)
    with scopes_disabled():
        second = Location.objects.get(organization=org, is_primary=False)
    response = client.post(
        "/portal/swim/location/",
        {"location": second.pk, "next": "/portal/swim/news/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/portal/swim/news/"
    response = client.get("/portal/swim/home/")
    assert response.wsgi_request.location == second
    assert second.address_line1 in response.content.decode()


def test_location_switch_refuses_other_organizations_location(client):
    make_organization(slug="swim", locations=2)
    other = make_organization(slug="gym", locations=1)
    with scopes_disabled():
        foreign = other.locations.get()
    response = client.post("/portal/swim/location/", {"location": foreign.pk})
    assert response.status_code == 404
    home = client.get("/portal/swim/home/")
    assert home.wsgi_request.location.organization.slug == "swim"


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_location_switch_bad_input_is_404_and_changes_nothing(client, value):
    make_organization(slug="swim", locations=2)
    before = client.get("/portal/swim/home/").wsgi_request.location
    assert client.post("/portal/swim/location/", {"location": value}).status_code == 404
    assert client.get("/portal/swim/home/").wsgi_request.location == before


def test_location_switch_ignores_offsite_next(client, unscoped):
    org = make_organization(slug="swim", locations=2)
    loc = org.locations.get(is_primary=False)
    for bad in ("https://evil.example.com/", "//evil.example.com/", "/portal/gym/"):
        response = client.post(
            "/portal/swim/location/", {"location": loc.pk, "next": bad}
        )
        assert response["Location"] == "/portal/swim/home/"


def test_location_switch_needs_post(client):
    make_organization(slug="swim", locations=2)
    assert client.get("/portal/swim/location/").status_code == 405


def test_location_details_only_with_several_locations(client):
    make_organization(slug="one", locations=1)
    make_organization(slug="two", locations=2)
    assert "Location Details" not in client.get("/portal/one/home/").content.decode()
    assert "Location Details" in client.get("/portal/two/home/").content.decode()


def test_toolbar_links_settings_and_apps(client, unscoped):
    org = make_organization(slug="swim")
    html = client.get("/portal/swim/home/").content.decode()
    assert "Visit Website" not in html and "iPhone App" not in html
    settings = org.portal_settings
    settings.website_url = "https://swim.example.com/"
    settings.ios_app_url = "https://apps.example.com/ios"
    settings.save()
    html = client.get("/portal/swim/home/").content.decode()
    assert 'href="https://swim.example.com/"' in html
    assert 'href="https://apps.example.com/ios"' in html
    assert "Android App" not in html
    assert 'href="/portal/swim/home/"' in html  # the logo


@pytest.mark.parametrize("count", [2, 30])
def test_landing_and_dashboard_queries_do_not_grow(
    client, django_assert_max_num_queries, count
):
    org = make_organization(slug="swim", locations=2)
    enable_welcome(org)
    for i in range(count):
        make_news(org, title=f"News {i}", image=i % 2 == 0)
    for url in ("/portal/swim/", "/portal/swim/home/", "/portal/swim/news/"):
        client.get(url)  # first views create image renditions and cache the toolbar
    with django_assert_max_num_queries(11):
        client.get("/portal/swim/")
    # The organization and its locations: the toolbar's pages come from the cache.
    with django_assert_max_num_queries(2):
        client.get("/portal/swim/home/")
    with django_assert_max_num_queries(14):
        client.get("/portal/swim/news/")
