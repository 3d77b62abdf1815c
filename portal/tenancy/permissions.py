"""Admin isolation: staff see and change only their own organizations' rows.

Two layers, each enough on its own for the tenant models' admin views
(tests/portal/tenancy/test_admin.py runs them with and without the first):
- the tenant middleware opens an admin scope limited to the staff user's
  organizations (django-scopes filters every tenant query);
- OrganizationScopedViewMixin filters listings and 404s the edit, delete,
  history and usage URLs of other organizations' rows before Wagtail's views
  touch them.
OrganizationPermissionPolicy answers instance checks by organization for the
buttons and choosers that ask it; Wagtail's generic edit and delete views
check only model permissions, so it is not a layer on its own there.
Pages and images are isolated by Wagtail's group page and collection
permissions; pages_for_user also keeps the page chooser to the user's trees.
"""

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.models import Page
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


def pages_for_user(pages, user):
    """Limit a page queryset to the user's organizations' page trees and the
    pages above them (so a chooser can still browse down from the root)."""
    from pages.models import PortalHomePage

    org_ids = user_organization_ids(user)
    if org_ids is None:
        return pages
    step = Page.steplen
    allowed = Q(pk__in=[])
    for path in PortalHomePage.objects.filter(organization_id__in=org_ids).values_list(
        "path", flat=True
    ):
        allowed |= Q(path__startswith=path)
        allowed |= Q(path__in=[path[:end] for end in range(step, len(path), step)])
    return pages.filter(allowed)


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
    """For Wagtail generic model views of tenant-owned models: index, edit,
    delete, history and usage (every view that lists rows or loads one)."""

    def get_base_queryset(self):
        return filter_for_user(super().get_base_queryset(), self.request.user)

    def get_base_object_queryset(self):
        # The history and usage views load their object from this queryset.
        return filter_for_user(super().get_base_object_queryset(), self.request.user)

    def get_object(self, *args, **kwargs):
        # EditView/DeleteView take a queryset argument, the history and usage
        # views none.
        obj = super().get_object(*args, **kwargs)
        org_ids = user_organization_ids(self.request.user)
        if org_ids is not None and obj.organization_id not in org_ids:
            raise Http404
        return obj


def _is_tenant_model(model):
    return any(f.name == "organization" for f in model._meta.concrete_fields)


class OrganizationOwnedForm(WagtailAdminModelForm):
    """Offers only the user's organizations, and only rows of those
    organizations in every other choice of a tenant-owned model.

    A staff member of a single organization need not choose: the field starts
    on it and an empty choice means it. Anyone else must choose, and every
    chosen row must belong to the chosen organization.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.own_organization = None
        if self.for_user is None:
            return
        for name, field in self.fields.items():
            model = getattr(getattr(field, "queryset", None), "model", None)
            if name == "organization" or model is None or not _is_tenant_model(model):
                continue
            manager = model._default_manager
            if hasattr(manager, "with_scopes_disabled"):
                manager = manager.with_scopes_disabled()
            field.queryset = filter_for_user(manager.all(), self.for_user)
        field = self.fields.get("organization")
        if field is None:
            return
        field.queryset = filter_for_user(
            Organization.objects.all(), self.for_user
        ).order_by("name")
        organizations = list(field.queryset[:2])
        if len(organizations) == 1:
            self.own_organization = organizations[0]
            field.initial = self.own_organization.pk
            field.required = False

    def clean_organization(self):
        return self.cleaned_data.get("organization") or self.own_organization

    def clean(self):
        cleaned = super().clean()
        organization = cleaned.get("organization") or getattr(
            self.instance, "organization", None
        )
        if organization is None:
            return cleaned
        for name, value in cleaned.items():
            if name == "organization" or not hasattr(value, "organization_id"):
                continue
            if value.organization_id != organization.pk:
                self.add_error(name, _("Choose one of this organization's own."))
        return cleaned
