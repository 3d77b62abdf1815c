"""Wagtail admin views for tenant-owned models, shared by every app's viewsets."""

from wagtail.admin.views import generic

from .permissions import OrganizationScopedViewMixin


class ScopedIndexView(OrganizationScopedViewMixin, generic.IndexView):
    pass


class ScopedEditView(OrganizationScopedViewMixin, generic.EditView):
    pass


class ScopedDeleteView(OrganizationScopedViewMixin, generic.DeleteView):
    pass


class ScopedHistoryView(OrganizationScopedViewMixin, generic.HistoryView):
    pass


class ScopedUsageView(OrganizationScopedViewMixin, generic.UsageView):
    pass


class ScopedViewSetMixin:
    """Every view of the viewset that lists rows or loads one is scoped."""

    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView
    inspect_view_enabled = False
    copy_view_enabled = False
