"""Admin isolation: staff see and change only their own organizations' rows.

Three layers, each enough on its own:
- the tenant middleware opens an admin scope limited to the staff user's
  organizations (django-scopes filters every tenant query);
- OrganizationPermissionPolicy answers instance checks by organization;
- OrganizationScopedViewMixin filters listings and 404s edit/delete URLs of
  other organizations' rows before Wagtail's views touch them.
"""

from django.http import Http404
from django_scopes import scopes_disabled
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.permission_policies.base import ModelPermissionPolicy

from .models import Organization, StaffMembership


def user_organization_ids(user):
    """None means every organization (superuser); else a list of ids."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    cached = getattr(user, "_portico_org_ids", None)
    if cached is None:
        with scopes_disabled():
            cached = list(
                StaffMembership.objects.filter(user=user).values_list(
                    "organization_id", flat=True
                )
            )
        user._portico_org_ids = cached
    return cached


def filter_for_user(queryset, user, field="organization"):
    org_ids = user_organization_ids(user)
    if org_ids is None:
        return queryset
    lookup = "pk__in" if queryset.model is Organization else f"{field}__in"
    return queryset.filter(**{lookup: org_ids})


class OrganizationPermissionPolicy(ModelPermissionPolicy):
    """Django model permissions, and the instance must be of the user's org."""

    def user_has_permission(self, user, action):
        if user_organization_ids(user) == []:
            return False
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not self.user_has_any_permission(user, actions):
            return False
        org_ids = user_organization_ids(user)
        return org_ids is None or instance.organization_id in org_ids

    def instances_user_has_any_permission_for(self, user, actions):
        manager = self.model._default_manager
        if hasattr(manager, "with_scopes_disabled"):
            manager = manager.with_scopes_disabled()
        if not self.user_has_any_permission(user, actions):
            return manager.none()
        return filter_for_user(manager.all(), user)


class SuperuserOnlyPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        return user.is_active and user.is_superuser

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_permission(user, None)

    def instances_user_has_any_permission_for(self, user, actions):
        qs = self.model._default_manager.all()
        return qs if self.user_has_permission(user, None) else qs.none()


class OrganizationScopedViewMixin:
    """For Wagtail generic model views of tenant-owned models."""

    def get_base_queryset(self):
        return filter_for_user(super().get_base_queryset(), self.request.user)

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        org_ids = user_organization_ids(self.request.user)
        if org_ids is not None and obj.organization_id not in org_ids:
            raise Http404
        return obj


class OrganizationOwnedForm(WagtailAdminModelForm):
    """Offers only the user's organizations in the organization field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("organization")
        if field is None or self.for_user is None:
            return
        field.queryset = filter_for_user(
            Organization.objects.all(), self.for_user
        ).order_by("name")
        if field.queryset.count() == 1 and not self.instance.pk:
            field.initial = field.queryset.first().pk
