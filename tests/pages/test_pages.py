import re

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import RequestFactory
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from pages.models import (
    NewsIndexPage,
    NewsPage,
    PolicyIndexPage,
    PolicyPage,
    PortalHomePage,
    PortalRootPage,
    StaffPage,
)
from tests.factories import (
    home_of,
    make_news,
    make_organization,
    make_policy,
    make_staff_page,
)

pytestmark = pytest.mark.django_db


class TestPageTree(WagtailPageTestCase):
    def test_parent_and_child_types(self):
        self.assertAllowedParentPageTypes(PortalHomePage, {PortalRootPage})
        self.assertAllowedSubpageTypes(
            PortalHomePage, {NewsIndexPage, StaffPage, PolicyIndexPage}
        )
        self.assertAllowedSubpageTypes(NewsIndexPage, {NewsPage})
        self.assertAllowedSubpageTypes(PolicyIndexPage, {PolicyPage})
        self.assertAllowedParentPageTypes(NewsPage, {NewsIndexPage})
        self.assertAllowedSubpageTypes(StaffPage, set())
        self.assertAllowedParentPageTypes(PortalRootPage, {Page})


def test_landing_lists_only_landing_news_of_this_organization(client):
    org = make_organization(slug="swim")
    other = make_organization(slug="gym")
    make_news(org, title="Summer camp open", on_landing=True)
    make_news(org, title="Quiet notice", on_landing=False)
    make_news(other, title="Gym news", on_landing=True)
    html = client.get("/portal/swim/").content.decode()
    assert "Summer camp open" in html
    assert "Quiet notice" not in html
    assert "Gym news" not in html
    assert "Click to Begin" in html
    assert 'href="/portal/swim/home/"' in html
    assert "Learn More" in html


def test_landing_without_news_still_offers_click_to_begin(client):
    make_organization(slug="empty")
    html = client.get("/portal/empty/").content.decode()
    assert "Click to Begin" in html and "data-carousel" not in html


def test_news_index_and_article(client):
    org = make_organization(slug="swim")
    page = make_news(org, title="Pool reopens", summary="Good news")
    index_html = client.get("/portal/swim/news/").content.decode()
    assert "Pool reopens" in index_html and page.url in index_html
    response = client.get(page.url)
    assert response.status_code == 200
    assert "Good news" in response.content.decode()


def test_news_index_is_paginated(client):
    org = make_organization(slug="swim")
    for i in range(12):
        make_news(org, title=f"Item {i:02d}", image=False)
    first = client.get("/portal/swim/news/").content.decode()
    second = client.get("/portal/swim/news/?page=2").content.decode()
    assert first.count('class="card news-card"') == 10
    assert second.count('class="card news-card"') == 2
    assert "Page 2 of 2" in second


def test_unpublished_news_is_not_shown(client):
    org = make_organization(slug="swim")
    page = make_news(org, title="Draft item")
    page.unpublish()
    assert "Draft item" not in client.get("/portal/swim/").content.decode()
    assert client.get("/portal/swim/news/draft-item/").status_code == 404


def test_staff_page_shows_members_under_its_own_title(client):
    org = make_organization(slug="swim")
    make_staff_page(org, title="Meet the Coaches", members=("Ana Diaz", "Ben Ode"))
    html = client.get("/portal/swim/staff/").content.decode()
    assert "<h1>Meet the Coaches</h1>" in html
    assert "Ana Diaz" in html and "Ben Ode" in html
    dashboard = client.get("/portal/swim/home/").content.decode()
    assert "Meet the Coaches" in dashboard  # listed under MORE


def test_staff_page_hidden_when_switched_off(client, unscoped):
    org = make_organization(slug="swim")
    make_staff_page(org, title="Meet the Coaches")
    org.portal_settings.show_staff_page = False
    org.portal_settings.save()
    assert "Meet the Coaches" not in client.get("/portal/swim/home/").content.decode()


def test_policies_index_and_visibility(client):
    org = make_organization(slug="swim")
    make_policy(org, title="Liability Waiver", kind="family", required=True)
    make_policy(org, title="Medical Form", kind="student", required=False)
    make_policy(org, title="Internal Note", show_on_web=False)
    html = client.get("/portal/swim/policies/").content.decode()
    assert "Liability Waiver" in html and "Medical Form" in html
    assert "Internal Note" not in html
    assert "Family policy" in html and "Student policy" in html
    assert client.get("/portal/swim/policies/liability-waiver/").status_code == 200
    assert client.get("/portal/swim/policies/internal-note/").status_code == 404


def test_page_of_another_organization_is_not_served_under_this_one(client):
    """Even if a page object were routed under another tenant, serve() refuses."""
    a = make_organization(slug="aaa")
    b = make_organization(slug="bbb")
    page_b = make_news(b, title="B only")
    request = RequestFactory().get("/portal/aaa/news/b-only/")
    request.organization = a
    with pytest.raises(Http404):
        page_b.serve(request)
    # and B's URL under A's path is simply not there
    assert client.get("/portal/aaa/news/b-only/").status_code == 404
    assert client.get("/portal/bbb/news/b-only/").status_code == 200


def test_reserved_slugs_refused_for_top_level_pages():
    org = make_organization(slug="swim")
    page = make_staff_page(org, title="Team")
    page.slug = "home"
    with pytest.raises(ValidationError) as excinfo:
        page.full_clean()
    assert "slug" in excinfo.value.message_dict


def test_home_page_slug_must_stay_the_account_name():
    org = make_organization(slug="swim")
    home = home_of(org)
    home.slug = "other"
    with pytest.raises(ValidationError) as excinfo:
        home.full_clean()
    assert "slug" in excinfo.value.message_dict


def test_welcome_needs_title_and_text_when_enabled():
    home = home_of(make_organization())
    home.welcome_enabled = True
    home.welcome_title = ""
    with pytest.raises(ValidationError):
        home.full_clean()


def test_portal_root_lists_open_portals(client):
    make_organization(name="Open Swim", slug="open")
    make_organization(name="Closed Gym", slug="closed", mode="off")
    html = client.get("/portal/").content.decode()
    assert "Open Swim" in html and "Closed Gym" not in html
    assert client.get("/").status_code == 302


def title_of(html):
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match, html[:300]
    return match[1]


def test_landing_title_says_the_organization_name_once(client):
    org = make_organization(name="Swim School", slug="swim")
    html = client.get("/portal/swim/").content.decode()
    assert title_of(html) == "Swim School"
    headings = re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", html, re.S)
    assert [h for h in headings if "Swim School" in h] == ["Swim School"]
    # Other pages still say where they belong.
    assert title_of(client.get("/portal/swim/news/").content.decode()) == (
        "News · Swim School"
    )
    home = home_of(org)
    home.seo_title = "Swim lessons in Springfield"
    home.save_revision().publish()
    html = client.get("/portal/swim/").content.decode()
    assert title_of(html) == "Swim lessons in Springfield · Swim School"
    home.seo_title = "Swim School: lessons for every age"
    home.save_revision().publish()
    html = client.get("/portal/swim/").content.decode()
    assert title_of(html) == "Swim School: lessons for every age"
