"""The Wagtail admin keeps each organization's data to its own staff.

Two organizations, Alpha and Bravo, each with a staff member. Every refusal is
checked on the data: the other organization's names do not appear in the
response and the database row is unchanged after a POST.

The location and portal-settings tests run twice (``layer``): once as in
production, with the tenant middleware's scope, and once with the middleware
removed and scopes disabled, so the admin views' own code (the scoped view
mixin and the organization form) must isolate on its own.
"""

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled
from wagtail.images.models import Image
from wagtail.models import Collection, GroupPagePermission, ModelLogEntry, Page
from wagtail.test.utils.form_data import querydict_from_html

from pages.models import NewsIndexPage, NewsPage, PortalHomePage
from portal.tenancy.models import Location, Organization, PortalMode, PortalSettings
from portal.tenancy.permissions import OrganizationPermissionPolicy
from portal.tenancy.services import location_create, staff_membership_create
from tests.factories import (
    UserFactory,
    home_of,
    make_image,
    make_news,
    make_organization,
    make_staff,
)

pytestmark = pytest.mark.django_db

TENANT_MIDDLEWARE = "portal.tenancy.middleware.TenantMiddleware"

# Words that only Bravo's data contains; none may reach Alpha's staff.
BRAVO_SECRETS = ("Bravo Gym", "Bravo Secret Arena", "bravo-secret.example.com")


@pytest.fixture
def orgs():
    alpha = make_organization(name="Alpha Swim", slug="alpha", locations=0)
    bravo = make_organization(name="Bravo Gym", slug="bravo", locations=0)
    with scopes_disabled():
        alpha_location = location_create(
            organization=alpha, name="Alpha Lakeside Pool", city="Ashton"
        )
        bravo_location = location_create(
            organization=bravo, name="Bravo Secret Arena", city="Brookfield"
        )
        alpha_settings = PortalSettings.objects.get(organization=alpha)
        bravo_settings = PortalSettings.objects.get(organization=bravo)
        bravo_settings.website_url = "https://bravo-secret.example.com"
        bravo_settings.save()
    return SimpleNamespace(
        alpha=alpha,
        bravo=bravo,
        alpha_location=alpha_location,
        bravo_location=bravo_location,
        alpha_settings=alpha_settings,
        bravo_settings=bravo_settings,
        alpha_staff=make_staff(alpha, email="staff@alpha.example.com"),
        bravo_staff=make_staff(bravo, email="staff@bravo.example.com"),
    )


@pytest.fixture
def alpha_client(client, orgs):
    client.force_login(orgs.alpha_staff)
    return client


@pytest.fixture(params=["middleware-scope", "views-only"])
def layer(request, settings):
    """Run a test with the tenant scope, and again with only the admin code."""
    if request.param == "views-only":
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != TENANT_MIDDLEWARE]
        with scopes_disabled():
            yield request.param
    else:
        yield request.param


def reload(obj):
    with scopes_disabled():
        return type(obj)._default_manager.get(pk=obj.pk)


def location_names():
    with scopes_disabled():
        return sorted(Location.objects.values_list("name", flat=True))


def text(response):
    return response.content.decode()


def assert_no_bravo_data(response):
    body = text(response)
    for secret in BRAVO_SECRETS:
        assert secret not in body


def assert_refused(response):
    """Wagtail answers 404, 403, or a redirect to the dashboard or login."""
    assert response.status_code in (302, 403, 404), response.status_code
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/")
        assert "/edit/" not in response["Location"]
    assert_no_bravo_data(response)


def edit_form_data(client, url, **changes):
    """The form as the admin renders it, with some fields changed."""
    response = client.get(url)
    assert response.status_code == 200
    data = querydict_from_html(text(response), form_id="w-editor-form")
    for name, value in changes.items():
        data[name] = value
    return data


# Locations and portal settings ---------------------------------------------


def test_location_listing_shows_only_own_organization(alpha_client, layer):
    response = alpha_client.get(reverse("location:index"))
    assert response.status_code == 200
    assert "Alpha Lakeside Pool" in text(response)
    assert_no_bravo_data(response)


def test_location_listing_search_does_not_find_other_organization(alpha_client, layer):
    response = alpha_client.get(reverse("location:index"), {"q": "Secret"})
    assert response.status_code == 200
    assert_no_bravo_data(response)


def test_portal_settings_listing_shows_only_own_organization(alpha_client, layer):
    response = alpha_client.get(reverse("portalsettings:index"))
    assert response.status_code == 200
    assert "Alpha Swim" in text(response)
    assert_no_bravo_data(response)


@pytest.mark.parametrize("view", ["edit", "delete", "history", "usage"])
def test_other_organization_location_pages_are_refused(alpha_client, orgs, layer, view):
    url = reverse(f"location:{view}", args=[orgs.bravo_location.pk])
    assert_refused(alpha_client.get(url))


def test_post_to_other_organization_location_changes_nothing(alpha_client, orgs, layer):
    data = edit_form_data(
        alpha_client,
        reverse("location:edit", args=[orgs.alpha_location.pk]),
        name="Taken Over",
        city="Elsewhere",
    )
    response = alpha_client.post(
        reverse("location:edit", args=[orgs.bravo_location.pk]), data
    )
    assert_refused(response)
    bravo_location = reload(orgs.bravo_location)
    assert bravo_location.name == "Bravo Secret Arena"
    assert bravo_location.city == "Brookfield"
    assert bravo_location.organization_id == orgs.bravo.pk


def test_post_to_other_organization_location_delete_deletes_nothing(
    alpha_client, orgs, layer
):
    response = alpha_client.post(
        reverse("location:delete", args=[orgs.bravo_location.pk])
    )
    assert_refused(response)
    assert location_names() == ["Alpha Lakeside Pool", "Bravo Secret Arena"]


def test_other_organization_portal_settings_are_refused_and_unchanged(
    alpha_client, orgs, layer
):
    for view in ("history", "usage"):
        other = reverse(f"portalsettings:{view}", args=[orgs.bravo_settings.pk])
        assert_refused(alpha_client.get(other))
    url = reverse("portalsettings:edit", args=[orgs.bravo_settings.pk])
    assert_refused(alpha_client.get(url))

    data = edit_form_data(
        alpha_client,
        reverse("portalsettings:edit", args=[orgs.alpha_settings.pk]),
        mode=PortalMode.OFF,
        website_url="https://hijacked.example.com",
    )
    assert_refused(alpha_client.post(url, data))
    bravo_settings = reload(orgs.bravo_settings)
    assert bravo_settings.mode == PortalMode.ACTIVE
    assert bravo_settings.website_url == "https://bravo-secret.example.com"


def test_staff_can_edit_own_location(alpha_client, orgs, layer):
    url = reverse("location:edit", args=[orgs.alpha_location.pk])
    data = edit_form_data(alpha_client, url, name="Alpha Riverside Pool")
    response = alpha_client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("location:index")
    assert reload(orgs.alpha_location).name == "Alpha Riverside Pool"


def test_staff_can_delete_own_location(alpha_client, orgs, layer):
    response = alpha_client.post(
        reverse("location:delete", args=[orgs.alpha_location.pk])
    )
    assert response.status_code == 302
    assert location_names() == ["Bravo Secret Arena"]


def test_staff_can_edit_own_portal_settings(alpha_client, orgs, layer):
    url = reverse("portalsettings:edit", args=[orgs.alpha_settings.pk])
    data = edit_form_data(alpha_client, url, carousel_seconds="12", mode="setup")
    response = alpha_client.post(url, data)
    assert response.status_code == 302
    alpha_settings = reload(orgs.alpha_settings)
    assert alpha_settings.carousel_seconds == 12
    assert alpha_settings.mode == PortalMode.SETUP
    assert reload(orgs.bravo_settings).carousel_seconds == 7


def new_location_data(**fields):
    data = {
        "name": "Alpha North Pool",
        "time_zone": "UTC",
        "sort_order": "0",
        "is_active": "on",
    }
    data.update(fields)
    return data


def test_add_form_has_no_organization_choice_for_single_organization_staff(
    alpha_client, orgs, layer
):
    response = alpha_client.get(reverse("location:add"))
    assert response.status_code == 200
    assert "organization" not in response.context["form"].fields
    assert 'name="organization"' not in text(response)
    assert_no_bravo_data(response)


def test_organization_posted_by_single_organization_staff_is_ignored(
    alpha_client, orgs, layer
):
    response = alpha_client.post(
        reverse("location:add"), new_location_data(organization=str(orgs.bravo.pk))
    )
    assert response.status_code == 302
    with scopes_disabled():
        created = Location.objects.get(name="Alpha North Pool")
        assert created.organization_id == orgs.alpha.pk
        assert list(
            Location.objects.filter(organization=orgs.bravo).values_list(
                "name", flat=True
            )
        ) == ["Bravo Secret Arena"]


def test_creating_location_without_choosing_uses_the_staff_organization(
    alpha_client, orgs, layer
):
    response = alpha_client.post(reverse("location:add"), new_location_data())
    assert response.status_code == 302
    with scopes_disabled():
        created = Location.objects.get(name="Alpha North Pool")
    assert created.organization_id == orgs.alpha.pk


def test_staff_of_two_organizations_must_choose(client, orgs, layer):
    user = make_staff(orgs.alpha)
    staff_membership_create(organization=orgs.bravo, user=user)
    client.force_login(user)
    form_page = client.get(reverse("location:add"))
    field = form_page.context["form"].fields["organization"]
    assert field.required
    assert list(field.queryset) == [orgs.alpha, orgs.bravo]
    assert '<option value="">' not in text(form_page)

    response = client.post(reverse("location:add"), new_location_data())
    assert response.status_code == 200
    assert response.context["form"].errors["organization"] == [
        "This field is required."
    ]
    assert "Alpha North Pool" not in location_names()

    response = client.post(
        reverse("location:add"), new_location_data(organization=str(orgs.bravo.pk))
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert Location.objects.get(name="Alpha North Pool").organization == orgs.bravo


def test_moving_own_location_to_other_organization_is_ignored(
    alpha_client, orgs, layer
):
    url = reverse("location:edit", args=[orgs.alpha_location.pk])
    data = edit_form_data(alpha_client, url, city="Ashford")
    data["organization"] = str(orgs.bravo.pk)
    response = alpha_client.post(url, data)
    assert response.status_code == 302
    location = reload(orgs.alpha_location)
    assert location.city == "Ashford"
    assert location.organization_id == orgs.alpha.pk


def test_invalid_portal_settings_show_an_error_and_change_nothing(
    alpha_client, orgs, layer
):
    url = reverse("portalsettings:edit", args=[orgs.alpha_settings.pk])
    data = edit_form_data(
        alpha_client, url, carousel_seconds="1", website_url="https://new.example.com"
    )
    response = alpha_client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["carousel_seconds"] == [
        "Choose between 3 and 60 seconds."
    ]
    alpha_settings = reload(orgs.alpha_settings)
    assert alpha_settings.carousel_seconds == 7
    assert alpha_settings.website_url == ""


def test_duplicate_location_name_in_same_organization_is_refused(
    alpha_client, orgs, layer
):
    response = alpha_client.post(
        reverse("location:add"),
        new_location_data(name="Alpha Lakeside Pool"),
    )
    assert response.status_code == 200
    assert "already exists" in str(response.context["form"].errors)
    assert location_names() == ["Alpha Lakeside Pool", "Bravo Secret Arena"]


def test_name_used_by_other_organization_is_allowed(alpha_client, orgs, layer):
    response = alpha_client.post(
        reverse("location:add"), new_location_data(name="Bravo Secret Arena")
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert sorted(
            Location.objects.filter(name="Bravo Secret Arena").values_list(
                "organization__slug", flat=True
            )
        ) == ["alpha", "bravo"]


def test_permission_policy_answers_by_organization(orgs):
    policy = OrganizationPermissionPolicy(Location)
    staff = orgs.alpha_staff
    assert policy.user_has_permission(staff, "change")
    assert policy.user_has_permission_for_instance(staff, "change", orgs.alpha_location)
    assert not policy.user_has_permission_for_instance(
        staff, "change", orgs.bravo_location
    )
    assert not policy.user_has_any_permission_for_instance(
        staff, ["change", "delete"], orgs.bravo_location
    )
    assert list(policy.instances_user_has_any_permission_for(staff, ["change"])) == [
        orgs.alpha_location
    ]
    parent = UserFactory()
    assert not policy.user_has_permission(parent, "change")


def test_superuser_sees_every_organization_location(client, orgs):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    body = text(client.get(reverse("location:index")))
    assert "Alpha Lakeside Pool" in body
    assert "Bravo Secret Arena" in body


# Pages -----------------------------------------------------------------------


def page_edit_data(client, page, **changes):
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    data = querydict_from_html(text(response), form_id="page-edit-form")
    data["body-count"] = "0"  # the StreamField's inputs are drawn by JavaScript
    for name, value in changes.items():
        data[name] = value
    return data


def news_index_of(organization):
    return NewsIndexPage.objects.child_of(home_of(organization)).get()


@pytest.fixture
def news(orgs):
    return SimpleNamespace(
        alpha=make_news(orgs.alpha, title="Alpha pool reopens", image=False),
        bravo=make_news(orgs.bravo, title="Bravo Secret Arena news", image=False),
    )


def test_staff_can_open_own_pages_in_the_editor(alpha_client, orgs, news):
    for page in (home_of(orgs.alpha), news.alpha):
        response = alpha_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
        assert response.status_code == 200
        assert response.context["page"].pk == page.pk
        assert page.title in text(response)


def test_staff_can_publish_own_news_page(alpha_client, news):
    data = page_edit_data(alpha_client, news.alpha, title="Alpha pool reopened")
    data["action-publish"] = "action-publish"
    response = alpha_client.post(
        reverse("wagtailadmin_pages:edit", args=[news.alpha.pk]), data
    )
    assert response.status_code == 302
    page = Page.objects.get(pk=news.alpha.pk)
    assert page.title == "Alpha pool reopened"
    assert page.live


def test_other_organization_pages_cannot_be_edited(alpha_client, orgs, news):
    for page in (home_of(orgs.bravo), news.bravo):
        url = reverse("wagtailadmin_pages:edit", args=[page.pk])
        assert_refused(alpha_client.get(url))

    revisions_before = news.bravo.revisions.count()
    data = page_edit_data(alpha_client, news.alpha, title="Hijacked")
    data["slug"] = news.bravo.slug
    data["action-publish"] = "action-publish"
    response = alpha_client.post(
        reverse("wagtailadmin_pages:edit", args=[news.bravo.pk]), data
    )
    assert_refused(response)
    page = NewsPage.objects.get(pk=news.bravo.pk)
    assert page.title == "Bravo Secret Arena news"
    assert page.revisions.count() == revisions_before
    assert not page.has_unpublished_changes


def test_other_organization_page_explorer_is_refused(alpha_client, orgs, news):
    for page in (home_of(orgs.bravo), news_index_of(orgs.bravo)):
        response = alpha_client.get(reverse("wagtailadmin_explore", args=[page.pk]))
        assert response.status_code == 404
        assert_no_bravo_data(response)
    # From the top of the tree Wagtail sends staff to their own part.
    top = alpha_client.get(reverse("wagtailadmin_explore_root"))
    assert top.status_code == 302
    assert top["Location"] == reverse(
        "wagtailadmin_explore", args=[home_of(orgs.alpha).pk]
    )
    followed = alpha_client.get(top["Location"])
    assert followed.status_code == 200
    assert_no_bravo_data(followed)


def test_staff_cannot_add_a_page_under_other_organization(alpha_client, orgs, news):
    bravo_index = news_index_of(orgs.bravo)
    add_url = reverse(
        "wagtailadmin_pages:add", args=["pages", "newspage", bravo_index.pk]
    )
    assert_refused(
        alpha_client.get(
            reverse("wagtailadmin_pages:add_subpage", args=[bravo_index.pk])
        )
    )
    assert_refused(alpha_client.get(add_url))

    data = page_edit_data(alpha_client, news.alpha, title="Planted", slug="planted")
    data["action-publish"] = "action-publish"
    assert_refused(alpha_client.post(add_url, data))
    assert list(bravo_index.get_children().values_list("title", flat=True)) == [
        "Bravo Secret Arena news"
    ]
    assert not Page.objects.filter(slug="planted").exists()


def test_staff_can_add_a_page_under_own_news_index(alpha_client, orgs, news):
    alpha_index = news_index_of(orgs.alpha)
    data = page_edit_data(alpha_client, news.alpha, title="Lane swim", slug="lane")
    data["action-publish"] = "action-publish"
    response = alpha_client.post(
        reverse("wagtailadmin_pages:add", args=["pages", "newspage", alpha_index.pk]),
        data,
    )
    assert response.status_code == 302
    assert alpha_index.get_children().live().filter(slug="lane").exists()


def test_page_search_does_not_show_other_organization_pages(alpha_client, news):
    response = alpha_client.get(reverse("wagtailadmin_pages:search"), {"q": "news"})
    assert response.status_code == 200
    assert_no_bravo_data(response)


def test_page_chooser_does_not_offer_other_organization_pages(alpha_client, orgs, news):
    search = alpha_client.get(reverse("wagtailadmin_choose_page_search"), {"q": "a"})
    assert search.status_code == 200
    assert "Alpha pool reopens" in text(search)
    assert_no_bravo_data(search)

    portal_root = home_of(orgs.alpha).get_parent()
    browse = alpha_client.get(
        reverse("wagtailadmin_choose_page_child", args=[portal_root.pk])
    )
    assert browse.status_code == 200
    assert "Alpha Swim" in text(browse)
    assert_no_bravo_data(browse)

    inside = alpha_client.get(
        reverse("wagtailadmin_choose_page_child", args=[news_index_of(orgs.bravo).pk])
    )
    assert "Bravo Secret Arena news" not in text(inside)


def test_superuser_page_chooser_offers_every_organization(client, orgs, news):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    body = text(client.get(reverse("wagtailadmin_choose_page_search"), {"q": "a"}))
    assert "Alpha pool reopens" in body
    assert "Bravo Secret Arena news" in body


def test_each_organization_group_edits_only_its_own_page_tree(orgs):
    for org in (orgs.alpha, orgs.bravo):
        pages = GroupPagePermission.objects.filter(group=org.staff_group)
        assert {p.page_id for p in pages} == {home_of(org).pk}


# Images ----------------------------------------------------------------------


@pytest.fixture
def images(orgs):
    return SimpleNamespace(
        alpha=make_image(orgs.alpha, title="Alpha lane photo"),
        bravo=make_image(orgs.bravo, title="Bravo Secret Arena photo"),
    )


def test_image_listing_and_chooser_show_only_own_images(alpha_client, images):
    for url in (
        reverse("wagtailimages:index"),
        reverse("wagtailimages_chooser:choose"),
    ):
        response = alpha_client.get(url)
        assert response.status_code == 200
        assert "Alpha lane photo" in text(response)
        assert_no_bravo_data(response)


def test_other_organization_image_cannot_be_edited_or_deleted(alpha_client, images):
    for name in (
        "wagtailimages:edit",
        "wagtailimages:delete",
        "wagtailimages:image_usage",
        "wagtailimages_chooser:chosen",
    ):
        url = reverse(name, args=[images.bravo.pk])
        assert_refused(alpha_client.get(url))
    assert_refused(
        alpha_client.post(
            reverse("wagtailimages:edit", args=[images.bravo.pk]),
            {"title": "Hijacked", "collection": images.bravo.collection_id},
        )
    )
    assert_refused(
        alpha_client.post(reverse("wagtailimages:delete", args=[images.bravo.pk]))
    )
    image = Image.objects.get(pk=images.bravo.pk)
    assert image.title == "Bravo Secret Arena photo"


def test_staff_can_open_own_image(alpha_client, images):
    response = alpha_client.get(reverse("wagtailimages:edit", args=[images.alpha.pk]))
    assert response.status_code == 200
    assert "Alpha lane photo" in text(response)


# Organizations ---------------------------------------------------------------


def test_organization_admin_is_superuser_only(alpha_client, orgs):
    for url in (
        reverse("organization:index"),
        reverse("organization:add"),
        reverse("organization:edit", args=[orgs.alpha.pk]),
        reverse("organization:edit", args=[orgs.bravo.pk]),
    ):
        assert_refused(alpha_client.get(url))

    response = alpha_client.post(
        reverse("organization:add"),
        {"name": "Sneaky Org", "slug": "sneaky", "currency": "USD"},
    )
    assert_refused(response)
    response = alpha_client.post(
        reverse("organization:edit", args=[orgs.alpha.pk]),
        {"name": "Renamed", "currency": "EUR"},
    )
    assert_refused(response)
    assert sorted(Organization.objects.values_list("slug", flat=True)) == [
        "alpha",
        "bravo",
    ]
    assert reload(orgs.alpha).name == "Alpha Swim"


def test_superuser_creates_organization_with_full_setup(client, orgs):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.post(
        reverse("organization:add"),
        {"name": "Charlie Dance", "slug": "charlie", "currency": "CAD"},
    )
    assert response.status_code == 302
    org = Organization.objects.get(slug="charlie")
    assert org.name == "Charlie Dance"
    assert org.currency == "CAD"
    with scopes_disabled():
        assert PortalSettings.objects.filter(organization=org).exists()
    home = PortalHomePage.objects.get(organization=org)
    assert home.slug == "charlie"
    assert sorted(home.get_children().values_list("slug", flat=True)) == [
        "news",
        "policies",
    ]
    assert org.staff_group is not None
    assert org.staff_group.permissions.filter(codename="access_admin").exists()
    assert GroupPagePermission.objects.filter(group=org.staff_group, page=home).exists()
    assert org.collection is not None
    assert Collection.objects.filter(
        pk=org.collection_id, name="Charlie Dance"
    ).exists()


def test_superuser_cannot_create_organization_with_taken_slug(client, orgs):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.post(
        reverse("organization:add"),
        {"name": "Copycat", "slug": "alpha", "currency": "USD"},
    )
    assert response.status_code == 200
    assert "slug" in response.context["form"].errors
    assert not Organization.objects.filter(name="Copycat").exists()


def test_organization_slug_cannot_change_on_edit(client, orgs):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    url = reverse("organization:edit", args=[orgs.alpha.pk])
    assert "slug" not in client.get(url).context["form"].fields
    response = client.post(
        url, {"name": "Alpha Aquatics", "slug": "stolen", "currency": "USD"}
    )
    assert response.status_code == 302
    alpha = reload(orgs.alpha)
    assert alpha.name == "Alpha Aquatics"
    assert alpha.slug == "alpha"
    assert home_of(alpha).slug == "alpha"


# Who may enter the admin ------------------------------------------------------

ADMIN_URLS = (
    "wagtailadmin_home",
    "location:index",
    "portalsettings:index",
    "organization:index",
    "wagtailimages:index",
)


def test_parent_without_staff_membership_cannot_reach_admin(client, orgs):
    parent = UserFactory(email="parent@example.com")
    client.force_login(parent)
    for name in ADMIN_URLS:
        response = client.get(reverse(name))
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("wagtailadmin_login"))
        assert "Alpha Lakeside Pool" not in text(response)
        assert_no_bravo_data(response)
    response = client.post(reverse("location:delete", args=[orgs.bravo_location.pk]))
    assert response.status_code in (302, 403)
    assert location_names() == ["Alpha Lakeside Pool", "Bravo Secret Arena"]


def test_anonymous_user_is_sent_to_admin_login(client, orgs):
    for name in ADMIN_URLS:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("wagtailadmin_login"))
    response = client.post(
        reverse("location:edit", args=[orgs.bravo_location.pk]), {"name": "x"}
    )
    assert response.status_code == 302
    assert reload(orgs.bravo_location).name == "Bravo Secret Arena"


# Admin-wide pages that summarise across models ---------------------------------


def test_dashboard_does_not_mention_other_organization(alpha_client, news, images):
    response = alpha_client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    assert_no_bravo_data(response)


def test_cross_organization_reports_are_not_in_staff_menu(alpha_client):
    body = text(alpha_client.get(reverse("wagtailadmin_home")))
    assert reverse("wagtailadmin_reports:aging_pages") in body  # menu rendered
    assert reverse("wagtailadmin_reports:site_history") not in body
    assert reverse("wagtailadmin_reports:page_types_usage") not in body


def test_superuser_menu_keeps_every_report(client, orgs):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    body = text(client.get(reverse("wagtailadmin_home")))
    assert reverse("wagtailadmin_reports:site_history") in body
    assert reverse("wagtailadmin_reports:page_types_usage") in body


def test_aging_and_locked_pages_reports_show_only_own_pages(alpha_client, orgs, news):
    for page, staff in ((news.alpha, orgs.alpha_staff), (news.bravo, orgs.bravo_staff)):
        page.save_revision(user=staff).publish()
        page.locked = True
        page.locked_by = staff
        page.save(update_fields=["locked", "locked_by"])
    for name in ("aging_pages", "locked_pages"):
        response = alpha_client.get(reverse(f"wagtailadmin_reports:{name}"))
        assert response.status_code == 200
        assert "Alpha pool reopens" in text(response)
        assert_no_bravo_data(response)


def test_site_history_does_not_show_other_organization_activity(alpha_client, orgs):
    bravo_client = Client()
    bravo_client.force_login(orgs.bravo_staff)
    url = reverse("location:edit", args=[orgs.bravo_location.pk])
    data = edit_form_data(bravo_client, url, city="Brookfield Heights")
    assert bravo_client.post(url, data).status_code == 302
    assert ModelLogEntry.objects.filter(object_id=orgs.bravo_location.pk).exists()

    response = alpha_client.get(reverse("wagtailadmin_reports:site_history"))
    assert response.status_code == 403
    results = alpha_client.get(reverse("wagtailadmin_reports:site_history_results"))
    assert results.status_code == 403
    assert_no_bravo_data(response)
    assert "staff@bravo.example.com" not in text(response)


def test_page_types_usage_does_not_name_other_organization_pages(
    alpha_client, orgs, news
):
    # Bravo's pages are the most recently edited of their types.
    news.alpha.save_revision().publish()
    home_of(orgs.alpha).save_revision().publish()
    news.bravo.save_revision().publish()
    home_of(orgs.bravo).save_revision().publish()
    response = alpha_client.get(reverse("wagtailadmin_reports:page_types_usage"))
    assert response.status_code == 403
    assert_no_bravo_data(response)
