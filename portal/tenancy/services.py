"""Writes for tenancy: organizations, their admin group, locations, staff."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django_scopes import scopes_disabled
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

from .models import Location, Organization, PortalSettings, StaffMembership, StaffRole

PAGE_PERMISSIONS = (
    "add_page",
    "change_page",
    "publish_page",
    "lock_page",
    "unlock_page",
)
IMAGE_PERMISSIONS = ("add_image", "change_image", "choose_image", "delete_image")
MODEL_PERMISSIONS = (
    ("wagtailadmin", "access_admin"),
    ("tenancy", "add_location"),
    ("tenancy", "change_location"),
    ("tenancy", "delete_location"),
    ("tenancy", "view_location"),
    ("tenancy", "change_portalsettings"),
    ("tenancy", "view_portalsettings"),
    ("families", "change_family"),
    ("families", "view_family"),
    ("families", "change_student"),
    ("families", "view_student"),
    ("snippets", "add_referralsource"),
    ("snippets", "change_referralsource"),
    ("snippets", "delete_referralsource"),
    ("snippets", "add_customfield"),
    ("snippets", "change_customfield"),
    ("snippets", "delete_customfield"),
    ("catalog", "add_program"),
    ("catalog", "change_program"),
    ("catalog", "delete_program"),
    ("catalog", "view_program"),
    ("catalog", "add_level"),
    ("catalog", "change_level"),
    ("catalog", "delete_level"),
    ("catalog", "view_level"),
    ("catalog", "add_instructor"),
    ("catalog", "change_instructor"),
    ("catalog", "delete_instructor"),
    ("catalog", "view_instructor"),
    ("catalog", "add_class"),
    ("catalog", "change_class"),
    ("catalog", "delete_class"),
    ("catalog", "view_class"),
    ("catalog", "add_event"),
    ("catalog", "change_event"),
    ("catalog", "delete_event"),
    ("catalog", "view_event"),
    ("catalog", "add_partypackage"),
    ("catalog", "change_partypackage"),
    ("catalog", "delete_partypackage"),
    ("catalog", "view_partypackage"),
    ("catalog", "add_partyslot"),
    ("catalog", "change_partyslot"),
    ("catalog", "delete_partyslot"),
    ("catalog", "view_partyslot"),
    ("catalog", "add_blackout"),
    ("catalog", "change_blackout"),
    ("catalog", "delete_blackout"),
    ("catalog", "view_blackout"),
)


def _permission(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def organization_create(
    *, name: str, slug: str, currency: str = "USD", mode: str | None = None
) -> Organization:
    """Create an organization with its settings, page tree, image collection and
    the Wagtail group through which its staff edit only their own content."""
    from pages.services import portal_home_create

    organization = Organization(name=name, slug=slug, currency=currency)
    organization.full_clean()
    organization.save()

    portal_settings = PortalSettings(organization=organization)
    if mode:
        portal_settings.mode = mode
    portal_settings.full_clean()
    portal_settings.save()

    home = portal_home_create(organization=organization)

    collection = Collection.get_first_root_node().add_child(name=name)
    group = Group.objects.create(name=f"{name} staff ({slug})")
    group.permissions.set([_permission(app, code) for app, code in MODEL_PERMISSIONS])
    GroupPagePermission.objects.bulk_create(
        GroupPagePermission(
            group=group, page=home, permission=_permission("wagtailcore", c)
        )
        for c in PAGE_PERMISSIONS
    )
    GroupCollectionPermission.objects.bulk_create(
        GroupCollectionPermission(
            group=group,
            collection=collection,
            permission=_permission("wagtailimages", c),
        )
        for c in IMAGE_PERMISSIONS
    )
    organization.staff_group = group
    organization.collection = collection
    organization.save(update_fields=["staff_group", "collection"])
    return organization


def location_create(*, organization: Organization, name: str, **fields) -> Location:
    with scopes_disabled():
        is_first = not Location.objects.filter(organization=organization).exists()
        location = Location(organization=organization, name=name, **fields)
        if is_first:
            location.is_primary = True
        location.full_clean()
        location.save()
    return location


@transaction.atomic
def staff_membership_create(
    *, organization: Organization, user, role: str = StaffRole.MANAGER
) -> StaffMembership:
    """Make a user staff of an organization: admin access, its pages and images."""
    membership = StaffMembership(organization=organization, user=user, role=role)
    with scopes_disabled():
        membership.full_clean()
        membership.save()
    if organization.staff_group_id:
        user.groups.add(organization.staff_group)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership


@transaction.atomic
def staff_membership_delete(*, membership: StaffMembership) -> None:
    user, organization = membership.user, membership.organization
    if organization.staff_group_id:
        user.groups.remove(organization.staff_group)
    membership.delete()
    with scopes_disabled():
        if not StaffMembership.objects.filter(user=user).exists() and user.is_staff:
            user.is_staff = False
            user.save(update_fields=["is_staff"])


def location_choose(*, request, organization: Organization, location_id) -> Location:
    """Remember which location a visitor is looking at (session, per org)."""
    from .middleware import LOCATION_SESSION_KEY

    location = Location.objects.get(
        organization=organization, pk=location_id, is_active=True
    )
    request.session[LOCATION_SESSION_KEY.format(org_id=organization.pk)] = location.pk
    return location
