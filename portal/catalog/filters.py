"""Booking filters for the class list (django-filter). Staff choose which ones
parents see in Portal settings → Class filters; the others are removed."""

import datetime
from dataclasses import dataclass, field

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import (
    Class,
    ClassSchedule,
    GenderRule,
    Instructor,
    Level,
    Program,
    Weekday,
)
from .selectors import with_openings

TIME_OF_DAY = [
    ("morning", _("Morning (before noon)")),
    ("afternoon", _("Afternoon (noon to 5 pm)")),
    ("evening", _("Evening (5 pm or later)")),
]
NOON, FIVE_PM = datetime.time(12), datetime.time(17)


def _org_rows(model):
    def queryset(request):
        if request is None:
            return model.objects.none()
        return model.objects.filter(organization=request.organization)

    return queryset


def _locations(request):
    if request is None:
        return Class.objects.none()
    from portal.tenancy.models import Location

    return Location.objects.filter(organization=request.organization, is_active=True)


def _meetings(*conditions, **fields):
    return ClassSchedule.objects.filter(*conditions, **fields).values("klass")


@dataclass
class FilterControl:
    """One filter as the class list draws it: a select, a number or a checkbox.

    Built here rather than through the form renderer, which renders a template
    per option and per label and was most of the class list's cost."""

    name: str
    id: str
    label: str
    kind: str
    value: str = ""
    checked: bool = False
    errors: list = field(default_factory=list)
    options: list = field(default_factory=list)
    min: object = None
    max: object = None


class ClassFilter(django_filters.FilterSet):
    location = django_filters.ModelChoiceFilter(
        label=_("Location"), queryset=_locations, empty_label=_("Any location")
    )
    program = django_filters.ModelChoiceFilter(
        label=_("Program"), queryset=_org_rows(Program), empty_label=_("Any program")
    )
    level = django_filters.ModelChoiceFilter(
        label=_("Level"), queryset=_org_rows(Level), empty_label=_("Any level")
    )
    weekday = django_filters.ChoiceFilter(
        label=_("Day of week"),
        choices=Weekday.choices,
        empty_label=_("Any day"),
        method="filter_weekday",
    )
    time_of_day = django_filters.ChoiceFilter(
        label=_("Time of day"),
        choices=TIME_OF_DAY,
        empty_label=_("Any time"),
        method="filter_time_of_day",
    )
    age = django_filters.NumberFilter(
        label=_("Age (years)"),
        method="filter_age",
        min_value=0,
        max_value=99,
        widget=forms.NumberInput(attrs={"min": 0, "max": 99}),
    )
    gender = django_filters.ChoiceFilter(
        label=_("Gender"),
        choices=[(GenderRule.FEMALE, _("Female")), (GenderRule.MALE, _("Male"))],
        empty_label=_("Any"),
        method="filter_gender",
    )
    instructor = django_filters.ModelChoiceFilter(
        label=_("Instructor"),
        queryset=_org_rows(Instructor),
        empty_label=_("Any instructor"),
    )
    openings = django_filters.BooleanFilter(
        label=_("Only classes with openings"),
        method="filter_openings",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Class
        fields = []

    def __init__(self, *args, enabled=(), choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.filters):
            if name not in enabled:
                del self.filters[name]
        # Options already read elsewhere (the request's locations, one query
        # for the other lookups); the querysets above still check a choice.
        self.known_choices = choices or {}

    def controls(self):
        form = self.form
        controls = []
        for bound in form:
            formfield = bound.field
            raw = bound.value()
            value = "" if raw is None else str(raw)
            control = FilterControl(
                name=bound.html_name,
                id=bound.auto_id,
                label=str(bound.label),
                kind="select",
                value=value,
                errors=list(bound.errors) if form.is_bound else [],
            )
            if isinstance(formfield.widget, forms.CheckboxInput):
                control.kind = "checkbox"
                control.checked = formfield.widget.check_test(raw)
            elif isinstance(formfield.widget, forms.NumberInput):
                control.kind = "number"
                control.min = formfield.widget.attrs.get("min")
                control.max = formfield.widget.attrs.get("max")
            else:
                choices = formfield.choices
                if bound.name in self.known_choices:
                    choices = [("", formfield.empty_label)] + [
                        (str(pk), label) for pk, label in self.known_choices[bound.name]
                    ]
                control.options = [
                    (str(choice), str(label), str(choice) == value)
                    for choice, label in choices
                ]
            controls.append(control)
        return controls

    # Schedule conditions are subqueries rather than joins, so a class with
    # two matching meetings is listed once without DISTINCT.
    def filter_weekday(self, queryset, name, value):
        return queryset.filter(pk__in=_meetings(weekday=int(value)))

    def filter_time_of_day(self, queryset, name, value):
        if value == "morning":
            condition = Q(start_time__lt=NOON)
        elif value == "afternoon":
            condition = Q(start_time__gte=NOON, start_time__lt=FIVE_PM)
        else:
            condition = Q(start_time__gte=FIVE_PM)
        return queryset.filter(pk__in=_meetings(condition))

    def filter_age(self, queryset, name, value):
        # A child of N years fits a class whose range includes N whole years.
        years = int(value)
        return queryset.filter(
            Q(min_age_years__lte=years)
            & (Q(max_age_years__isnull=True) | Q(max_age_years__gte=years))
        )

    def filter_gender(self, queryset, name, value):
        return queryset.filter(gender__in=[GenderRule.ANY, value])

    def filter_openings(self, queryset, name, value):
        if not value:
            return queryset
        return with_openings(queryset)
