"""Admin isolation: staff see and change only their own organizations' rows.

Two layers, each enough on its own for the tenant models' admin views
(tests/portal/tenancy/test_admin.py runs them with and without the first):
- the tenant middleware opens an admin scope limited to the staff user's
  organizations (django-scopes filters every tenant query);
- OrganizationScopedViewMixin filters listings, and OrganizationScopedObjectMixin
  404s the edit, delete, history and usage URLs of other organizations' rows
  before Wagtail's views touch them.
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


def _home_paths(org_ids):
    from pages.models import PortalHomePage

    return list(
        PortalHomePage.objects.filter(organization_id__in=org_ids).values_list(
            "path", flat=True
        )
    )


def pages_for_user(pages, user):
    """Limit a page queryset to the user's organizations' page trees and the
    pages above them (so a chooser can still browse down from the root)."""
    org_ids = user_organization_ids(user)
    if org_ids is None:
        return pages
    step = Page.steplen
    allowed = Q(pk__in=[])
    for path in _home_paths(org_ids):
        allowed |= Q(path__startswith=path)
        allowed |= Q(path__in=[path[:end] for end in range(step, len(path), step)])
    return pages.filter(allowed)


def own_pages_for_user(pages, user):
    """Only the pages inside the user's organizations' page trees."""
    org_ids = user_organization_ids(user)
    if org_ids is None:
        return pages
    allowed = Q(pk__in=[])
    for path in _home_paths(org_ids):
        allowed |= Q(path__startswith=path)
    return pages.filter(allowed)


def collections_for_user(user):
    """The collections (and those below them) of the user's organizations,
    where their images and documents live; every collection for a superuser."""
    from wagtail.models import Collection

    collections = Collection.objects.all()
    org_ids = user_organization_ids(user)
    if org_ids is None:
        return collections
    allowed = Q(pk__in=[])
    for path in Collection.objects.filter(
        pk__in=Organization.objects.filter(pk__in=org_ids).values("collection")
    ).values_list("path", flat=True):
        allowed |= Q(path__startswith=path)
    return collections.filter(allowed)


def organization_of_collection(collection):
    """The organization whose collection holds this one, or None (shared)."""
    for organization in (
        Organization.objects.filter(collection__isnull=False)
        .only("pk", "collection__path")
        .select_related("collection")
    ):
        if collection.path.startswith(organization.collection.path):
            return organization
    return None


def staff_users_for_user(users, user):
    """Limit a user queryset to the staff of the user's organizations."""
    org_ids = user_organization_ids(user)
    if org_ids is None:
        return users
    with scopes_disabled():
        staff_ids = list(
            StaffMembership.objects.filter(organization_id__in=org_ids).values_list(
                "user_id", flat=True
            )
        )
    return users.filter(pk__in=[*staff_ids, user.pk])


def workflows_for_user(workflows, user):
    """Workflows that apply to the user's pages: assigned to a page in their
    trees or above them (Wagtail's default one sits on the root)."""
    if user_organization_ids(user) is None:
        return workflows
    pages = pages_for_user(Page.objects.all(), user)
    return workflows.filter(workflow_pages__page__in=pages).distinct()


def tasks_for_user(tasks, user):
    from wagtail.models import Workflow

    if user_organization_ids(user) is None:
        return tasks
    workflows = workflows_for_user(Workflow.objects.all(), user)
    return tasks.filter(workflow_tasks__workflow__in=workflows).distinct()


def tags_for_user(tags, user):
    """Tags are shared by every organization (taggit): only those on the
    images and documents of the user's organizations."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    if user_organization_ids(user) is None:
        return tags
    collections = collections_for_user(user)
    used = Q(pk__in=[])
    for model in (get_image_model(), get_document_model()):
        used |= Q(
            taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(
                model
            ),
            taggit_taggeditem_items__object_id__in=model.objects.filter(
                collection__in=collections
            ).values("pk"),
        )
    return tags.filter(used).distinct()


def visible_to(queryset, user):
    """Limit any admin choice list to what the user's organizations own: their
    staff (users), workflows, tasks, pages, collections, tags and tenant rows.
    Querysets of other models are returned unchanged."""
    from django.contrib.auth import get_user_model
    from taggit.models import Tag
    from wagtail.models import Collection, Task, Workflow

    model = queryset.model
    if issubclass(model, get_user_model()):
        return staff_users_for_user(queryset, user)
    if issubclass(model, Workflow):
        return workflows_for_user(queryset, user)
    if issubclass(model, Task):
        return tasks_for_user(queryset, user)
    if issubclass(model, Page):
        return own_pages_for_user(queryset, user)
    if issubclass(model, Collection):
        return queryset.filter(pk__in=collections_for_user(user).values("pk"))
    if issubclass(model, Tag):
        return tags_for_user(queryset, user)
    if model is Organization or _is_tenant_model(model):
        return filter_for_user(queryset, user)
    return queryset


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


class OrganizationScopedObjectMixin:
    """For Wagtail generic views that load one row of a tenant-owned model
    (edit, delete, history, usage): another organization's row is a 404.

    These views list other things than the model's rows (the history view log
    entries, the usage view references), so they must not filter the listing
    by organization: the row they belong to is checked instead.
    """

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


class OrganizationScopedViewMixin(OrganizationScopedObjectMixin):
    """For the index view of a tenant-owned model: it lists the model's own
    rows, limited to the user's organizations."""

    def get_base_queryset(self):
        return filter_for_user(super().get_base_queryset(), self.request.user)


def _is_tenant_model(model):
    return any(f.name == "organization" for f in model._meta.concrete_fields)


class OrganizationOwnedForm(WagtailAdminModelForm):
    """Offers only the user's organizations, and only rows of those
    organizations in every other choice of a tenant-owned model.

    A staff member of a single organization never chooses it: the field is
    left out of the form (a posted value is ignored) and the row is theirs.
    Superusers and staff of several organizations must choose one (there is
    no empty choice), and every chosen row must belong to it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.own_organization = None
        if self.for_user is None:
            return
        allowed = self._organizations_allowed()
        for name, field in self.fields.items():
            model = getattr(getattr(field, "queryset", None), "model", None)
            if name == "organization" or model is None or not _is_tenant_model(model):
                continue
            manager = model._default_manager
            if hasattr(manager, "with_scopes_disabled"):
                manager = manager.with_scopes_disabled()
            field.queryset = filter_for_user(manager.all(), self.for_user)
            if allowed is not None:
                field.queryset = field.queryset.filter(organization_id__in=allowed)
        field = self.fields.get("organization")
        if field is None:
            return
        field.queryset = filter_for_user(Organization.objects.all(), self.for_user)
        if allowed is not None:
            field.queryset = field.queryset.filter(pk__in=allowed)
        field.queryset = field.queryset.order_by("name")
        organizations = list(field.queryset[:2])
        if len(organizations) == 1:
            self.own_organization = organizations[0]
            del self.fields["organization"]
            if self.instance.organization_id is None:
                self.instance.organization = self.own_organization
        else:
            field.required = True
            field.empty_label = None

    def _organizations_allowed(self):
        """Where the user's role may add (or, for a saved row, change) rows of
        this model: someone in marketing at one organization and a manager at
        another adds locations only to the second. None: everywhere."""
        from .roles import organizations_allowing

        action = "change" if self.instance.pk else "add"
        return organizations_allowing(self.for_user, self._meta.model, [action])

    def _get_validation_exclusions(self):
        # A field left out of the form is left out of the model's checks too;
        # the organization set above must still be part of the unique checks
        # (a location's name is unique within its organization).
        exclude = super()._get_validation_exclusions()
        if self.own_organization is not None:
            exclude.discard("organization")
        return exclude

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
