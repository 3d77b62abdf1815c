import pytest
from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled
from wagtail.models import GroupPagePermission, Site

from pages.models import NewsIndexPage, PolicyIndexPage, PortalHomePage, PortalRootPage
from portal.tenancy.models import Location, Organization, PortalMode, StaffMembership
from portal.tenancy.services import (
    location_create,
    organization_create,
    staff_membership_create,
    staff_membership_delete,
)
from tests.factories import UserFactory, make_organization

pytestmark = pytest.mark.django_db


def test_organization_create_builds_everything_an_org_needs(unscoped):
    org = organization_create(name="Tumble Gym", slug="tumble")
    assert org.portal_settings.mode == PortalMode.SETUP
    home = PortalHomePage.objects.get(organization=org)
    assert home.slug == "tumble" and home.live
    assert isinstance(home.get_parent().specific, PortalRootPage)
    assert NewsIndexPage.objects.child_of(home).count() == 1
    assert PolicyIndexPage.objects.child_of(home).count() == 1
    assert home.url == "/portal/tumble/"
    assert Site.objects.get(is_default_site=True).root_page_id == home.get_parent().pk
    assert org.collection.name == "Tumble Gym"
    codenames = set(
        GroupPagePermission.objects.filter(
            group=org.staff_group, page=home
        ).values_list("permission__codename", flat=True)
    )
    assert {"add_page", "change_page", "publish_page"} <= codenames
    assert org.staff_group.permissions.filter(codename="access_admin").exists()


def test_two_organizations_share_one_portal_root(unscoped):
    a = organization_create(name="A", slug="aa")
    b = organization_create(name="B", slug="bb")
    assert PortalRootPage.objects.count() == 1
    assert (
        PortalHomePage.objects.get(organization=a).get_parent().pk
        == PortalHomePage.objects.get(organization=b).get_parent().pk
    )


@pytest.mark.parametrize(
    "slug", ["Bad Slug", "-x", "x", "a" * 60, "under_score", "a--b", "end-"]
)
def test_organization_create_refuses_bad_slugs_and_saves_nothing(unscoped, slug):
    with pytest.raises(ValidationError) as excinfo:
        organization_create(name="Bad", slug=slug)
    assert "slug" in excinfo.value.message_dict
    assert not Organization.objects.filter(name="Bad").exists()
    assert not PortalHomePage.objects.filter(title="Bad").exists()


def test_organization_slug_is_unique(unscoped):
    organization_create(name="One", slug="same")
    with pytest.raises(ValidationError):
        organization_create(name="Two", slug="same")
    assert Organization.objects.filter(slug="same").count() == 1


def test_first_location_becomes_primary_and_only_one_primary(unscoped):
    org = make_organization(locations=0)
    first = location_create(organization=org, name="North")
    second = location_create(organization=org, name="South")
    assert first.is_primary and not second.is_primary
    with pytest.raises(ValidationError):
        location_create(organization=org, name="East", is_primary=True)
    assert not Location.objects.filter(name="East").exists()


def test_location_names_are_unique_per_organization(unscoped):
    a = make_organization(locations=0)
    b = make_organization(locations=0)
    location_create(organization=a, name="Main")
    location_create(organization=b, name="Main")
    with pytest.raises(ValidationError):
        location_create(organization=a, name="Main")


def test_location_bad_email_and_time_zone_are_refused(unscoped):
    org = make_organization(locations=0)
    with pytest.raises(ValidationError) as excinfo:
        location_create(
            organization=org, name="X", email="not-an-email", time_zone="Mars/Base"
        )
    assert {"email", "time_zone"} <= set(excinfo.value.message_dict)


def test_staff_membership_grants_and_removes_admin_access():
    org = make_organization()
    user = UserFactory()
    assert not user.has_perm("wagtailadmin.access_admin")
    membership = staff_membership_create(organization=org, user=user)
    user = type(user).objects.get(pk=user.pk)
    assert user.is_staff
    assert user.has_perm("wagtailadmin.access_admin")
    staff_membership_delete(membership=membership)
    user = type(user).objects.get(pk=user.pk)
    assert not user.is_staff
    assert not user.has_perm("wagtailadmin.access_admin")
    with scopes_disabled():
        assert not StaffMembership.objects.filter(user=user).exists()


def test_staff_membership_is_unique_per_organization():
    org = make_organization()
    user = UserFactory()
    staff_membership_create(organization=org, user=user)
    with pytest.raises(ValidationError):
        staff_membership_create(organization=org, user=user)
