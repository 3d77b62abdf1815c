"""What a staff member's role allows in each organization they work for.

Django's model permissions belong to a user, not to a user in an
organization: someone at the front desk of one organization and in marketing
at another holds the family permissions of the first role everywhere. The
admin therefore also asks which organizations the permission comes from:
listings, edit, delete and history views of the tenant models and their
permission policy keep to the organizations whose role group grants it.
"""

from django.contrib.auth import get_permission_codename
from django_scopes import scopes_disabled

from .models import RoleGroup, StaffMembership
from .permissions import OrganizationPermissionPolicy


def role_permissions(user):
    """{organization id: {"app_label.codename", ...}} that the user's role in
    each organization grants; None for a superuser (everything)."""
    if not user.is_authenticated or not user.is_active:
        return {}
    if user.is_superuser:
        return None
    cached = getattr(user, "_portico_role_permissions", None)
    if cached is None:
        with scopes_disabled():
            roles = dict(
                StaffMembership.objects.filter(user=user).values_list(
                    "organization_id", "role"
                )
            )
        cached = {organization_id: set() for organization_id in roles}
        rows = RoleGroup.objects.filter(organization_id__in=roles).values_list(
            "organization_id",
            "role",
            "group__permissions__content_type__app_label",
            "group__permissions__codename",
        )
        for organization_id, role, app_label, codename in rows:
            if role == roles[organization_id] and codename:
                cached[organization_id].add(f"{app_label}.{codename}")
        user._portico_role_permissions = cached
    return cached


def organizations_allowing(user, model, actions):
    """Ids of the organizations where the user's role grants one of the
    actions ("add", "change", "delete", "view") on the model; None: all."""
    granted = role_permissions(user)
    if granted is None:
        return None
    opts = model._meta
    wanted = {f"{opts.app_label}.{get_permission_codename(a, opts)}" for a in actions}
    return [org_id for org_id, codes in granted.items() if codes & wanted]


class RolePermissionPolicy(OrganizationPermissionPolicy):
    """The organization's own rows, and only where the role grants the action."""

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not super().user_has_any_permission_for_instance(user, actions, instance):
            return False
        allowed = organizations_allowing(user, self.model, actions)
        return allowed is None or instance.organization_id in allowed

    def instances_user_has_any_permission_for(self, user, actions):
        instances = super().instances_user_has_any_permission_for(user, actions)
        allowed = organizations_allowing(user, self.model, actions)
        if allowed is None:
            return instances
        return instances.filter(organization_id__in=allowed)
