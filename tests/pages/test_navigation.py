"""The toolbar's navigation is cached per organization and never goes stale."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled
from wagtail.actions.move_page import MovePageAction

from pages.models import StaffPage
from tests.factories import home_of, make_organization, make_staff_page

pytestmark = pytest.mark.django_db


def page_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def reads_pages(sql):
    return [q for q in sql if "wagtailcore_page" in q]


def set_switch(organization, **fields):
    with scopes_disabled():
        settings = organization.portal_settings
        for name, value in fields.items():
            setattr(settings, name, value)
        settings.save()


def test_second_render_does_not_read_the_navigation_again(client):
    org = make_organization(slug="swim")
    make_staff_page(org, title="Meet the Coaches")
    first_html, first = page_queries(client, "/portal/swim/home/")
    second_html, second = page_queries(client, "/portal/swim/home/")
    assert "Meet the Coaches" in first_html and "Meet the Coaches" in second_html
    assert reads_pages(first)  # the first render reads the page tree ...
    assert reads_pages(second) == []  # ... the second one takes it from the cache
    assert len(second) < len(first)


def test_published_staff_page_shows_at_once(client):
    org = make_organization(slug="swim")
    assert "Meet the Coaches" not in client.get("/portal/swim/home/").content.decode()
    make_staff_page(org, title="Meet the Coaches")
    html = client.get("/portal/swim/home/").content.decode()
    assert '<a href="/portal/swim/staff/">Meet the Coaches</a>' in html


def test_renamed_staff_page_shows_its_new_title_and_address_at_once(client):
    org = make_organization(slug="swim")
    page = make_staff_page(org, title="Meet the Coaches")
    assert "Meet the Coaches" in client.get("/portal/swim/home/").content.decode()
    page.title = "Our Instructors"
    page.slug = "instructors"
    page.save_revision().publish()
    html = client.get("/portal/swim/home/").content.decode()
    assert "Meet the Coaches" not in html
    assert '<a href="/portal/swim/instructors/">Our Instructors</a>' in html


def test_draft_title_is_not_shown_until_published(client):
    org = make_organization(slug="swim")
    page = make_staff_page(org, title="Meet the Coaches")
    client.get("/portal/swim/home/")
    page.title = "Draft Title"
    page.save_revision()
    html = client.get("/portal/swim/home/").content.decode()
    assert "Meet the Coaches" in html and "Draft Title" not in html


def test_unpublished_staff_page_disappears_at_once(client):
    org = make_organization(slug="swim")
    page = make_staff_page(org, title="Meet the Coaches")
    assert "Meet the Coaches" in client.get("/portal/swim/home/").content.decode()
    page.unpublish()
    assert "Meet the Coaches" not in client.get("/portal/swim/home/").content.decode()
    page.save_revision().publish()
    assert "Meet the Coaches" in client.get("/portal/swim/home/").content.decode()


def test_deleted_staff_page_disappears_at_once(client):
    org = make_organization(slug="swim")
    page = make_staff_page(org, title="Meet the Coaches")
    assert "Meet the Coaches" in client.get("/portal/swim/home/").content.decode()
    StaffPage.objects.get(pk=page.pk).delete()
    assert "Meet the Coaches" not in client.get("/portal/swim/home/").content.decode()


def test_moved_staff_page_leaves_one_toolbar_and_joins_the_other(client):
    swim = make_organization(slug="swim")
    gym = make_organization(slug="gym")
    page = make_staff_page(swim, title="Meet the Coaches")
    assert "Meet the Coaches" in client.get("/portal/swim/home/").content.decode()
    assert "Meet the Coaches" not in client.get("/portal/gym/home/").content.decode()
    MovePageAction(page, home_of(gym), pos="last-child").execute(
        skip_permission_checks=True
    )
    assert "Meet the Coaches" not in client.get("/portal/swim/home/").content.decode()
    html = client.get("/portal/gym/home/").content.decode()
    assert '<a href="/portal/gym/staff/">Meet the Coaches</a>' in html


def test_switches_take_effect_at_once(client):
    org = make_organization(slug="swim")
    make_staff_page(org, title="Meet the Coaches")
    html = client.get("/portal/swim/home/").content.decode()
    assert "Meet the Coaches" in html and 'href="/portal/swim/news/"' in html
    set_switch(org, show_staff_page=False, show_news=False)
    html = client.get("/portal/swim/home/").content.decode()
    assert "Meet the Coaches" not in html
    assert 'href="/portal/swim/news/"' not in html
    assert "tile-news" not in html
    set_switch(org, show_staff_page=True, show_news=True)
    html = client.get("/portal/swim/home/").content.decode()
    assert "Meet the Coaches" in html and "tile-news" in html


def test_welcome_information_change_shows_at_once(client):
    org = make_organization(slug="swim")
    assert "tile-welcome" not in client.get("/portal/swim/home/").content.decode()
    home = home_of(org)
    home.welcome_enabled = True
    home.welcome_title = "Hello swimmers"
    home.welcome_body = "<p>Bring goggles</p>"
    home.save_revision().publish()
    html = client.get("/portal/swim/home/").content.decode()
    assert "tile-welcome" in html and "Hello swimmers" in html


def test_each_organization_has_its_own_navigation(client):
    swim = make_organization(slug="swim")
    gym = make_organization(slug="gym")
    make_staff_page(swim, title="Swim Coaches")
    make_staff_page(gym, title="Gym Trainers")
    for _ in range(2):  # cold and cached
        swim_html = client.get("/portal/swim/home/").content.decode()
        gym_html = client.get("/portal/gym/home/").content.decode()
        assert "Swim Coaches" in swim_html and "Gym Trainers" not in swim_html
        assert "Gym Trainers" in gym_html and "Swim Coaches" not in gym_html
        assert "/portal/gym/" not in swim_html
