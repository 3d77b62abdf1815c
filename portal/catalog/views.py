from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from .filters import ClassFilter
from .selectors import (
    class_for_detail,
    openings_label,
    upcoming_class_meetings,
)
from .selectors import (
    class_list as class_list_selector,
)

PAGE_SIZE = 20


def booking_home(request, org_slug):
    return render(request, "portal/catalog/booking_home.html")


def class_list(request, org_slug):
    organization = request.organization
    enabled = organization.portal_settings.class_filters
    filterset = ClassFilter(
        request.GET or None,
        queryset=class_list_selector(organization=organization),
        request=request,
        enabled=enabled,
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for klass in page.object_list:
        klass.openings = openings_label(klass)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/catalog/class_list.html",
        {"filter": filterset, "page_obj": page, "query": query.urlencode()},
    )


def class_detail(request, org_slug, class_id):
    klass = class_for_detail(organization=request.organization, class_id=class_id)
    if klass is None:
        raise Http404
    klass.openings = openings_label(klass)
    return render(
        request,
        "portal/catalog/class_detail.html",
        {"klass": klass, "meetings": upcoming_class_meetings(klass=klass)},
    )
