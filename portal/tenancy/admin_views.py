"""Wagtail admin views for tenant-owned models, shared by every app's viewsets."""

from django.contrib.contenttypes.models import ContentType
from django.http import Http404, JsonResponse
from django.utils.functional import cached_property
from taggit.models import Tag, TagBase
from wagtail.admin.views import generic

from .permissions import (
    OrganizationScopedObjectMixin,
    OrganizationScopedViewMixin,
    visible_to,
)


class ScopedIndexView(OrganizationScopedViewMixin, generic.IndexView):
    pass


class ScopedEditView(OrganizationScopedObjectMixin, generic.EditView):
    pass


class ScopedDeleteView(OrganizationScopedObjectMixin, generic.DeleteView):
    pass


class ScopedHistoryView(OrganizationScopedObjectMixin, generic.HistoryView):
    pass


class ScopedUsageView(OrganizationScopedObjectMixin, generic.UsageView):
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


# Wagtail's own admin views whose choices would name other organizations'
# users, workflows, tasks, pages or tags. portal/tenancy/admin_guard.py serves
# them through these mixins (ISOLATED_VIEWS there) for every user but a
# superuser.


def restrict_choices(form, user):
    """Keep only the user's organizations' objects in a filter form's choices
    (report filters, the media listings' collection and tag filters)."""
    for name, field in form.fields.items():
        queryset = getattr(field, "queryset", None)
        if queryset is not None:
            field.queryset = visible_to(queryset, user)
        elif name == "tag":
            names = [value for value, _label in field.choices]
            own = set(
                visible_to(Tag.objects.filter(name__in=names), user).values_list(
                    "name", flat=True
                )
            )
            field.choices = [c for c in field.choices if c[0] in own]


class OrganizationFiltersMixin:
    """For listing views with a filter form (reports, image and document
    listings)."""

    @cached_property
    def filters(self):
        filterset = super().filters
        if filterset is not None:
            restrict_choices(filterset.form, self.request.user)
        return filterset


class OrganizationChooserMixin:
    """For the image and document choosers: their suggested tags."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tags = context.get("popular_tags")
        if tags:
            own = set(
                visible_to(
                    Tag.objects.filter(pk__in=[tag.pk for tag in tags]),
                    self.request.user,
                ).values_list("pk", flat=True)
            )
            context["popular_tags"] = [tag for tag in tags if tag.pk in own]
        return context


TAGS_AUTOCOMPLETE_LIMIT = 10


def tag_autocomplete(request, app_name=None, model_name=None):
    """Wagtail's tag suggestions, from the tags of the user's organizations'
    images and documents only (taggit's tags are shared by everyone)."""
    tags = Tag.objects.none()
    term = request.GET.get("term")
    if app_name and model_name:
        try:
            model = ContentType.objects.get_by_natural_key(
                app_name, model_name
            ).model_class()
        except ContentType.DoesNotExist as error:
            raise Http404 from error
        if model is None or not issubclass(model, TagBase):
            raise Http404
        if model is not Tag:
            term = None  # no way to tell whose tags another tag model holds
    if term:
        tags = visible_to(Tag.objects.filter(name__istartswith=term), request.user)
    names = tags.order_by("name").values_list("name", flat=True)
    return JsonResponse(list(names[:TAGS_AUTOCOMPLETE_LIMIT]), safe=False)
