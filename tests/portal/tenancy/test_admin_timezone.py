"""The admin shows and reads times in the organization's time zone, and says
which zone that is."""

import datetime

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from wagtail.test.utils.form_data import querydict_from_html
from wagtail.users.models import UserProfile

from pages.models import NewsPage
from portal.tenancy.models import Location
from tests.factories import (
    UserFactory,
    home_of,
    make_news,
    make_organization,
    make_staff,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def organization_in(zone, slug):
    organization = make_organization(slug=slug, locations=2)
    with scopes_disabled():
        Location.objects.filter(organization=organization, is_primary=True).update(
            time_zone=zone
        )
        # A second location elsewhere does not decide the admin's zone.
        Location.objects.filter(organization=organization, is_primary=False).update(
            time_zone="Asia/Tokyo"
        )
    return organization


@pytest.fixture
def chicago():
    return organization_in("America/Chicago", "chi")


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def schedule(client, page, *, go_live, expire=""):
    """Publish the page from the editor with a go-live (and expiry) time."""
    response = client.get(edit_url(page))
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    data["body-count"] = "0"  # the StreamField's inputs are drawn by JavaScript
    data["go_live_at"] = go_live
    data["expire_at"] = expire
    data["action-publish"] = "action-publish"
    response = client.post(edit_url(page), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    return NewsPage.objects.get(pk=page.pk).get_latest_revision()


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [("2031-01-15", 16), ("2031-07-15", 15)],  # CST is UTC-6, CDT is UTC-5
)
def test_go_live_typed_by_chicago_staff_is_chicago_time(client, chicago, day, utc_hour):
    page = make_news(chicago, title="Winter session", image=False)
    client.force_login(make_staff(chicago))
    revision = schedule(
        client, page, go_live=f"{day} 10:00", expire=f"{day[:4]}-12-31 23:30"
    )
    year, month, date = map(int, day.split("-"))
    expected = datetime.datetime(year, month, date, utc_hour, 0, tzinfo=UTC)
    assert revision.approved_go_live_at == expected
    assert revision.as_object().go_live_at == expected
    # 23:30 on New Year's Eve in Chicago (CST) is 05:30 UTC the next day.
    assert revision.as_object().expire_at == datetime.datetime(
        year + 1, 1, 1, 5, 30, tzinfo=UTC
    )
    # The editor shows the stored time back as the staff member typed it.
    html = client.get(edit_url(page)).content.decode()
    assert f'value="{day} 10:00"' in html


def test_editor_names_the_zone(client, chicago):
    page = make_news(chicago, title="Winter session", image=False)
    client.force_login(make_staff(chicago))
    html = client.get(edit_url(page)).content.decode()
    assert "Go-live and expiry times are in America/Chicago." in html
    assert "Times are in America/Chicago" in html
    assert "UTC" not in html.split('id="schedule-publishing-dialog"')[1][:4000]


def test_admin_listings_name_the_zone(client, chicago):
    client.force_login(make_staff(chicago))
    for url in (
        reverse("wagtailadmin_explore", args=[home_of(chicago).pk]),
        reverse("wagtailimages:index"),
    ):
        html = client.get(url).content.decode()
        assert "Times are in America/Chicago" in html, url


def test_each_organization_gets_its_own_zone(client, chicago):
    denver = organization_in("America/Denver", "den")
    page = make_news(denver, title="Ski camp", image=False)
    client.force_login(make_staff(denver))
    revision = schedule(client, page, go_live="2031-01-15 10:00")
    assert revision.approved_go_live_at == datetime.datetime(
        2031, 1, 15, 17, 0, tzinfo=UTC
    )
    html = client.get(edit_url(page)).content.decode()
    assert "Times are in America/Denver" in html
    assert "America/Chicago" not in html


def test_staff_who_chose_a_zone_keep_it(client, chicago):
    staff = make_staff(chicago)
    UserProfile.objects.create(user=staff, current_time_zone="Europe/Berlin")
    page = make_news(chicago, title="Winter session", image=False)
    client.force_login(staff)
    revision = schedule(client, page, go_live="2031-01-15 10:00")
    assert revision.approved_go_live_at == datetime.datetime(
        2031, 1, 15, 9, 0, tzinfo=UTC
    )
    html = client.get(edit_url(page)).content.decode()
    assert "Times are in Europe/Berlin" in html
    assert "America/Chicago" not in html


def test_the_organization_zone_is_lent_not_saved(client, chicago):
    staff = make_staff(chicago)
    client.force_login(staff)
    client.get(reverse("wagtailadmin_home"))
    page = make_news(chicago, title="Winter session", image=False)
    client.get(edit_url(page))
    profile = UserProfile.objects.filter(user=staff).first()
    assert profile is None or profile.current_time_zone == ""
    # The preferences still offer the choice, with nothing chosen.
    html = client.get(reverse("wagtailadmin_account")).content.decode()
    assert 'name="locale-current_time_zone"' in html
    assert 'value="America/Chicago" selected' not in html


def test_superuser_sees_utc_unless_they_chose(client, chicago):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    page = make_news(chicago, title="Winter session", image=False)
    client.force_login(superuser)
    revision = schedule(client, page, go_live="2031-01-15 10:00")
    assert revision.approved_go_live_at == datetime.datetime(
        2031, 1, 15, 10, 0, tzinfo=UTC
    )
    assert "Times are in UTC" in client.get(edit_url(page)).content.decode()
    UserProfile.objects.create(user=superuser, current_time_zone="Asia/Tokyo")
    assert "Times are in Asia/Tokyo" in client.get(edit_url(page)).content.decode()
