from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from portal.families.selectors import students_of

from .filters import ClassFilter
from .forms import FindClassForm
from .selectors import (
    class_eligibility,
    class_for_detail,
    classes_by_ids,
    filter_choices,
    openings_label,
    suitable_for_child,
    upcoming_class_meetings,
)
from .selectors import (
    class_list as class_list_selector,
)

PAGE_SIZE = 20
# The child's own age and gender decide these in Find the Right Class.
CHILD_FILTERS = ("age", "gender")
CHILD_PARAMS = ("student", "date_of_birth", "gender")


def booking_home(request, org_slug):
    return render(request, "portal/catalog/booking_home.html")


def _class_page(request, *, queryset, enabled):
    """The filter form and one page of classes with their openings."""
    choices = filter_choices(organization=request.organization, names=enabled)
    choices["location"] = [(loc.pk, loc.name) for loc in request.locations]
    # Bound only when a filter was chosen: a bare page number or the child's
    # details in Find the Right Class have nothing to validate.
    chosen = any(name in request.GET for name in enabled)
    filterset = ClassFilter(
        request.GET if chosen else None,
        queryset=queryset,
        request=request,
        enabled=enabled,
        choices=choices,
    )
    # Sort and cut the page on ids alone, then load those rows in full: the
    # database sorts narrow rows instead of every column of every class.
    ids = filterset.qs.values_list("pk", flat=True)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = classes_by_ids(
        organization=request.organization, ids=list(page.object_list)
    )
    now = timezone.now()
    for klass in page.object_list:
        klass.openings = openings_label(klass)
        # Whether the class takes online enrollments yet (Find the Right
        # Class replaces it with the child's own eligibility).
        klass.eligibility = class_eligibility(klass=klass, now=now)
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filter": filterset,
        "page_obj": page,
        "query": query.urlencode(),
        "detail_prefix": _detail_prefix(request),
    }


def _detail_prefix(request):
    # A class's page is booking/classes/<id>/; one reverse() for the whole list.
    return reverse("booking:classes", kwargs={"org_slug": request.organization.slug})


def class_list(request, org_slug):
    organization = request.organization
    context = _class_page(
        request,
        queryset=class_list_selector(organization=organization),
        enabled=organization.portal_settings.class_filters,
    )
    return render(request, "portal/catalog/class_list.html", context)


def find_class(request, org_slug):
    """Find the Right Class: who the class is for, then the classes that fit
    (age on each class's first day, gender), narrowed by the enabled filters."""
    organization = request.organization
    if not organization.portal_settings.show_find_class:
        raise Http404
    family = request.family
    students = students_of(family=family) if family is not None else []
    asked = any(name in request.GET for name in CHILD_PARAMS)
    form = FindClassForm(
        request.GET if asked else None,
        students=students,
        today=timezone.localdate(),
    )
    if not form.is_valid():
        return render(request, "portal/catalog/find_class.html", {"form": form})
    child = form.cleaned_data
    student = child["child"]
    enabled = [
        name
        for name in organization.portal_settings.class_filters
        if name not in CHILD_FILTERS
    ]
    queryset = suitable_for_child(
        class_list_selector(organization=organization),
        organization=organization,
        date_of_birth=child["date_of_birth"],
        gender=child["gender"],
    )
    context = _class_page(request, queryset=queryset, enabled=enabled)
    blocked = bool(student and student.blocked_by_policy)
    now = timezone.now()
    for klass in context["page_obj"].object_list:
        klass.eligibility = class_eligibility(
            klass=klass,
            date_of_birth=child["date_of_birth"],
            gender=child["gender"],
            blocked=blocked,
            now=now,
        )
    carried = [
        (name, request.GET[name]) for name in CHILD_PARAMS if name in request.GET
    ]
    context.update(
        form=form,
        child=child,
        student=student,
        blocked=blocked,
        carried=carried,
        child_query=urlencode(carried),
    )
    return render(request, "portal/catalog/find_results.html", context)


def class_detail(request, org_slug, class_id):
    klass = class_for_detail(organization=request.organization, class_id=class_id)
    if klass is None:
        raise Http404
    klass.openings = openings_label(klass)
    klass.eligibility = class_eligibility(klass=klass)
    return render(
        request,
        "portal/catalog/class_detail.html",
        {"klass": klass, "meetings": upcoming_class_meetings(klass=klass)},
    )
