"""Writes for tenancy: organizations, their admin groups, locations, staff.

Staff roles
-----------
Each organization has one Wagtail group per staff role (RoleGroup, made by
organization_create); a staff member is in the group of their role in each
organization they work for. What each role may do in the admin:

============  =====================================================  =========
role          admin areas (model permissions, ROLE_PERMISSIONS)      pages,
                                                                     images,
                                                                     documents
============  =====================================================  =========
manager       everything of the organization: locations, portal      edit,
              settings, staff, families, students, lookups           publish,
              (referral sources, custom fields), catalog; approves   approve
              changes submitted for moderation
front desk    families, students, lookups, catalog                   --
marketing     -- (the pages: news, staff page, policies, welcome)    edit,
                                                                     publish
============  =====================================================  =========

Pages are edited below the organization's home page only (GroupPagePermission
on it), images and documents in the organization's collection only
(GroupCollectionPermission). Every page of the organization goes through the
organization's own workflow when submitted for moderation: one
GroupApprovalTask whose reviewers are the organization's managers.

Managers (and superusers) manage the staff in the admin
(portal/tenancy/staff_admin.py): staff_member_invite, staff_member_set_role
and staff_member_remove keep at least one manager per organization.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_scopes import scopes_disabled
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from .errors import TenancyError
from .models import (
    Location,
    Organization,
    PortalSettings,
    RoleGroup,
    StaffMembership,
    StaffRole,
)

ADMIN = (("wagtailadmin", "access_admin"),)
ORGANIZATION_SETUP = (
    ("tenancy", "add_location"),
    ("tenancy", "change_location"),
    ("tenancy", "delete_location"),
    ("tenancy", "view_location"),
    ("tenancy", "change_portalsettings"),
    ("tenancy", "view_portalsettings"),
)
STAFF = (
    ("tenancy", "add_staffmembership"),
    ("tenancy", "change_staffmembership"),
    ("tenancy", "delete_staffmembership"),
    ("tenancy", "view_staffmembership"),
)
FAMILIES = (
    ("families", "change_family"),
    ("families", "view_family"),
    ("families", "change_student"),
    ("families", "view_student"),
)
LOOKUPS = (
    ("snippets", "add_referralsource"),
    ("snippets", "change_referralsource"),
    ("snippets", "delete_referralsource"),
    ("snippets", "add_customfield"),
    ("snippets", "change_customfield"),
    ("snippets", "delete_customfield"),
)
CATALOG = tuple(
    ("catalog", f"{action}_{model}")
    for model in (
        "program",
        "level",
        "instructor",
        "class",
        "event",
        "partypackage",
        "partyslot",
        "blackout",
    )
    for action in ("add", "change", "delete", "view")
)
ROLE_PERMISSIONS = {
    StaffRole.MANAGER: ADMIN
    + ORGANIZATION_SETUP
    + STAFF
    + FAMILIES
    + LOOKUPS
    + CATALOG,
    StaffRole.FRONT_DESK: ADMIN + FAMILIES + LOOKUPS + CATALOG,
    StaffRole.MARKETING: ADMIN,
}
# Roles that edit the organization's pages, images and documents.
CONTENT_ROLES = (StaffRole.MANAGER, StaffRole.MARKETING)
PAGE_PERMISSIONS = (
    "add_page",
    "change_page",
    "publish_page",
    "lock_page",
    "unlock_page",
)
COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtailimages", "delete_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
    ("wagtaildocs", "delete_document"),
)
ROLE_GROUP_NAMES = {
    StaffRole.MANAGER: "{name} managers ({slug})",
    StaffRole.FRONT_DESK: "{name} front desk ({slug})",
    StaffRole.MARKETING: "{name} marketing ({slug})",
}


def _permissions(pairs):
    """Permission rows for (app_label, codename) pairs, in one query."""
    wanted = Q(pk__in=[])
    for app_label, codename in pairs:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    found = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.filter(wanted).select_related("content_type")
    }
    missing = set(pairs) - set(found)
    if missing:
        raise LookupError(f"Permissions missing: {sorted(missing)}")
    return [found[pair] for pair in pairs]


def _role_groups_create(organization: Organization, home) -> dict:
    """One Wagtail group per role with the role's permissions."""
    groups = {}
    page_permissions = _permissions([("wagtailcore", c) for c in PAGE_PERMISSIONS])
    collection_permissions = _permissions(COLLECTION_PERMISSIONS)
    for role in StaffRole:
        group = Group.objects.create(
            name=ROLE_GROUP_NAMES[role].format(
                name=organization.name, slug=organization.slug
            )
        )
        group.permissions.set(_permissions(ROLE_PERMISSIONS[role]))
        if role in CONTENT_ROLES:
            GroupPagePermission.objects.bulk_create(
                GroupPagePermission(group=group, page=home, permission=permission)
                for permission in page_permissions
            )
            GroupCollectionPermission.objects.bulk_create(
                GroupCollectionPermission(
                    group=group,
                    collection=organization.collection,
                    permission=permission,
                )
                for permission in collection_permissions
            )
        RoleGroup.objects.create(organization=organization, role=role, group=group)
        groups[role] = group
    return groups


def _workflow_create(organization: Organization, home, managers: Group) -> Workflow:
    """The organization's moderation: its managers approve what is submitted
    on any of its pages (instead of Wagtail's default workflow on the root,
    whose Moderators group spans every organization)."""
    task = GroupApprovalTask.objects.create(
        name=f"{organization.name} managers' approval ({organization.slug})"
    )
    task.groups.set([managers])
    workflow = Workflow.objects.create(name=f"{organization.name} managers' approval")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(page=home, workflow=workflow)
    return workflow


@transaction.atomic
def organization_create(
    *, name: str, slug: str, currency: str = "USD", mode: str | None = None
) -> Organization:
    """Create an organization with its settings, page tree, collection for
    images and documents, a Wagtail group per staff role (through which its
    staff edit only their own content) and its moderation workflow."""
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
    organization.collection = Collection.get_first_root_node().add_child(name=name)
    groups = _role_groups_create(organization, home)
    _workflow_create(organization, home, groups[StaffRole.MANAGER])
    # The managers' group is the organization's staff group.
    organization.staff_group = groups[StaffRole.MANAGER]
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


# Staff -----------------------------------------------------------------------


def managed_organization_ids(user):
    """Organizations whose staff the user manages: None means every one
    (superuser), else a list of ids (those where the user is a manager)."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    with scopes_disabled():
        return list(
            StaffMembership.objects.filter(
                user=user, role=StaffRole.MANAGER
            ).values_list("organization_id", flat=True)
        )


def _role_groups(organization: Organization) -> dict:
    return {
        row.role: row.group
        for row in RoleGroup.objects.filter(organization=organization).select_related(
            "group"
        )
    }


def _groups_set(user, organization: Organization, role: str | None) -> None:
    """Put the user in the organization's group for `role` (None: in none)."""
    groups = _role_groups(organization)
    user.groups.remove(*(group for r, group in groups.items() if r != role))
    if role is not None:
        user.groups.add(groups[role])


@transaction.atomic
def staff_membership_create(
    *, organization: Organization, user, role: str = StaffRole.MANAGER
) -> StaffMembership:
    """Make a user staff of an organization: admin access and the permissions
    of their role there, at once."""
    membership = StaffMembership(organization=organization, user=user, role=role)
    with scopes_disabled():
        membership.full_clean()
        membership.save()
    _groups_set(user, organization, role)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership


@transaction.atomic
def staff_membership_delete(*, membership: StaffMembership) -> None:
    """Take an organization's admin away from a user (no checks: the admin
    goes through staff_member_remove)."""
    user, organization = membership.user, membership.organization
    _groups_set(user, organization, None)
    membership.delete()
    with scopes_disabled():
        if not StaffMembership.objects.filter(user=user).exists() and user.is_staff:
            user.is_staff = False
            user.save(update_fields=["is_staff"])


def _check_a_manager_stays(membership: StaffMembership) -> None:
    """Refuse to leave the organization without a manager. Every manager row
    is locked (PostgreSQL), so two managers demoting each other at the same
    time cannot both succeed."""
    if membership.role != StaffRole.MANAGER:
        return
    with scopes_disabled():
        managers = list(
            StaffMembership.objects.select_for_update()
            .filter(organization_id=membership.organization_id, role=StaffRole.MANAGER)
            .values_list("pk", flat=True)
        )
    if not any(pk != membership.pk for pk in managers):
        raise TenancyError("last_manager", field="role")


def invite_set_password_url(*, user, base_url: str) -> str:
    """A link to choose a password: Wagtail's password reset confirmation
    with Django's token, which expires (PASSWORD_RESET_TIMEOUT) and stops
    working once a password is set."""
    path = reverse(
        "wagtailadmin_password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


@transaction.atomic
def staff_member_invite(
    *,
    organization: Organization,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    inviter: str = "",
    base_url: str,
) -> StaffMembership:
    """Add someone to an organization's staff by e-mail. An existing login is
    added as it is and told so; a new one gets a login without a password and
    an e-mailed link to choose one. Either can work in the admin at once."""
    User = get_user_model()
    email = User.objects.normalize_email(email.strip()).lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    with scopes_disabled():
        if StaffMembership.objects.filter(
            organization=organization, user=user
        ).exists():
            raise TenancyError("already_staff", field="email")
    membership = staff_membership_create(
        organization=organization, user=user, role=role
    )
    _send_staff_invite(membership, inviter=inviter, base_url=base_url)
    return membership


def _send_staff_invite(membership: StaffMembership, *, inviter: str, base_url: str):
    from django.conf import settings

    from portal.accounts.emails import send_portal_email

    user = membership.user
    context = {
        "first_name": user.first_name,
        "inviter": inviter,
        "role": str(StaffRole(membership.role).label),
        "login_url": base_url.rstrip("/") + reverse("wagtailadmin_login"),
        "set_password_url": "",
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    if not user.has_usable_password():
        context["set_password_url"] = invite_set_password_url(
            user=user, base_url=base_url
        )
    send_portal_email(
        organization=membership.organization,
        to=user.email,
        template="staff_invite",
        context=context,
    )


def staff_member_invite_again(
    *, membership: StaffMembership, inviter: str = "", base_url: str
) -> None:
    """E-mail the invitation again, with a fresh link to choose a password
    (the first one may have expired)."""
    _send_staff_invite(membership, inviter=inviter, base_url=base_url)


@transaction.atomic
def staff_member_set_role(*, membership: StaffMembership, role: str) -> StaffMembership:
    """Change a staff member's role; the last manager keeps theirs."""
    if role == membership.role:
        return membership
    if role != StaffRole.MANAGER:
        _check_a_manager_stays(membership)
    membership.role = role
    with scopes_disabled():
        membership.full_clean()
        membership.save(update_fields=["role"])
    _groups_set(membership.user, membership.organization, role)
    return membership


@transaction.atomic
def staff_member_remove(*, membership: StaffMembership) -> None:
    """Remove someone from an organization's staff; the last manager stays."""
    _check_a_manager_stays(membership)
    staff_membership_delete(membership=membership)


def location_choose(*, request, organization: Organization, location_id) -> Location:
    """Remember which location a visitor is looking at (session, per org)."""
    from .middleware import LOCATION_SESSION_KEY

    location = Location.objects.get(
        organization=organization, pk=location_id, is_active=True
    )
    request.session[LOCATION_SESSION_KEY.format(org_id=organization.pk)] = location.pk
    return location
