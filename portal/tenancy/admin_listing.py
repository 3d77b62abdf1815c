"""Admin views of the tenant models: listings whose query count does not grow
with their rows, and rows kept to the organizations where the staff member's
role allows them.

Every Portico ModelViewSet mixes in ListingViewSetMixin: its listing loads
the related rows its columns show (the foreign keys named in list_display,
and whatever list_select_related adds, e.g. for a __str__ that names a
related row) in the same query as the rows themselves.
tests/portal/test_admin_listings.py checks every listing at two sizes.

Its listing, edit, delete, history and usage views also leave out (404) the
rows of organizations where the user's role does not grant the model
permission (portal/tenancy/roles.py): a front desk member of one organization
who does marketing for another sees the families of the first only.
"""

from django.core.exceptions import FieldDoesNotExist
from django.http import Http404

from .admin_views import (
    ScopedDeleteView,
    ScopedEditView,
    ScopedHistoryView,
    ScopedIndexView,
    ScopedUsageView,
)
from .roles import organizations_allowing

ANY = ("add", "change", "delete", "view")


class ListingIndexView(ScopedIndexView):
    list_select_related = ()

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        allowed = organizations_allowing(self.request.user, self.model, ANY)
        if allowed is not None:
            queryset = queryset.filter(organization_id__in=allowed)
        if self.list_select_related:
            queryset = queryset.select_related(*self.list_select_related)
        return queryset


class RoleObjectMixin:
    """A row of an organization where the user's role does not allow the
    view's action is not found."""

    role_actions = ANY

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        allowed = organizations_allowing(
            self.request.user, type(obj), self.role_actions
        )
        if allowed is not None and obj.organization_id not in allowed:
            raise Http404
        return obj


class RoleEditView(RoleObjectMixin, ScopedEditView):
    role_actions = ("change",)


class RoleDeleteView(RoleObjectMixin, ScopedDeleteView):
    role_actions = ("delete",)


class RoleHistoryView(RoleObjectMixin, ScopedHistoryView):
    pass


class RoleUsageView(RoleObjectMixin, ScopedUsageView):
    pass


def foreign_keys_shown(model, list_display):
    """Names in list_display that are forward one-to-one or foreign keys."""
    names = []
    for name in list_display or ():
        if not isinstance(name, str):
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.concrete and (field.many_to_one or field.one_to_one):
            names.append(name)
    return names


class ListingViewSetMixin:
    """Put before ScopedViewSetMixin in a ModelViewSet's bases."""

    index_view_class = ListingIndexView
    edit_view_class = RoleEditView
    delete_view_class = RoleDeleteView
    history_view_class = RoleHistoryView
    usage_view_class = RoleUsageView
    # Related rows to load beside those of list_display's foreign keys.
    list_select_related = ()

    def get_index_view_kwargs(self, **kwargs):
        related = [
            *foreign_keys_shown(self.model, self.list_display),
            *self.list_select_related,
        ]
        return super().get_index_view_kwargs(
            list_select_related=tuple(dict.fromkeys(related)), **kwargs
        )
