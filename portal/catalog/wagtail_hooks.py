from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_scopes.forms import SafeModelChoiceField
from wagtail import hooks
from wagtail.admin.forms.models import register_form_field_override
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    Panel,
)
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from portal.tenancy.admin_listing import ListingViewSetMixin
from portal.tenancy.admin_views import ScopedViewSetMixin
from portal.tenancy.models import Location
from portal.tenancy.permissions import (
    OrganizationOwnedForm,
)
from portal.tenancy.roles import RolePermissionPolicy

from .models import (
    Blackout,
    Class,
    Event,
    Instructor,
    Level,
    PartyPackage,
    PartySlot,
    Program,
)
from .roster import with_roster
from .selectors import class_seats

CATALOG_MODELS = (Program, Level, Instructor, Class, Event, PartyPackage, PartySlot)
for _model in (*CATALOG_MODELS, Blackout):
    register_permission_policy(_model, RolePermissionPolicy(_model))

# Choices of tenant-owned rows cannot be listed when a form class is built
# (no scope is open then); the form fills them in for the user's organizations.
for _model in (Location, Program, Level, Instructor, PartyPackage):
    register_form_field_override(
        models.ForeignKey, to=_model, override={"form_class": SafeModelChoiceField}
    )


class SeatsPanel(Panel):
    """Capacity, enrolled, held (unexpired cart items) and open seats of the
    class being edited."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "portal/catalog/admin/seats_panel.html"

        def is_shown(self):
            return bool(self.instance and self.instance.pk)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["seats"] = class_seats(klass=self.instance)
            return context


class ClassForm(OrganizationOwnedForm):
    """Lowering a class's capacity below the students already enrolled needs a
    second, deliberate save: the first one is refused with the count."""

    confirm_capacity = forms.BooleanField(
        label=_("Save anyway"),
        required=False,
        help_text=_(
            "The enrolled students keep their places; the class shows as full "
            "until enough of them leave."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        self.capacity_needs_confirmation = False
        capacity = cleaned.get("capacity")
        if (
            self.instance.pk is None
            or capacity is None
            or "capacity" not in self.changed_data
        ):
            return cleaned
        enrolled = class_seats(klass=self.instance).enrolled
        if capacity < enrolled and not cleaned.get("confirm_capacity"):
            self.capacity_needs_confirmation = True
            self.add_error(
                "capacity",
                ngettext(
                    "%(n)d student is enrolled in this class, more than the new "
                    'capacity. Tick "Save anyway" to lower it all the same.',
                    "%(n)d students are enrolled in this class, more than the new "
                    'capacity. Tick "Save anyway" to lower it all the same.',
                    enrolled,
                )
                % {"n": enrolled},
            )
        return cleaned


class ConfirmCapacityPanel(FieldPanel):
    """The "Save anyway" box, shown only once a capacity was refused."""

    class BoundPanel(FieldPanel.BoundPanel):
        def is_shown(self):
            return super().is_shown() and getattr(
                self.form, "capacity_needs_confirmation", False
            )


AGE_PANEL = MultiFieldPanel(
    [
        FieldRowPanel([FieldPanel("min_age_years"), FieldPanel("min_age_months")]),
        FieldRowPanel([FieldPanel("max_age_years"), FieldPanel("max_age_months")]),
    ],
    heading=_("Ages (on the first day)"),
)


def scoped(model_, form_class=OrganizationOwnedForm, **attrs):
    panels = attrs.pop("panels")
    attrs.setdefault("icon", "list-ul")
    attrs["edit_handler"] = ObjectList(
        [FieldPanel("organization"), *panels], base_form_class=form_class
    )
    return type(
        f"{model_.__name__}ViewSet",
        (ListingViewSetMixin, ScopedViewSetMixin, ModelViewSet),
        {"model": model_, **attrs},
    )


ProgramViewSet = scoped(
    Program,
    menu_label=_("Programs"),
    list_display=["name", "sort_order"],
    search_fields=["name"],
    panels=[FieldPanel("name"), FieldPanel("sort_order")],
)
LevelViewSet = scoped(
    Level,
    menu_label=_("Levels"),
    list_display=["name", "program", "sort_order"],
    list_filter=["program"],
    search_fields=["name"],
    panels=[FieldPanel("program"), FieldPanel("name"), FieldPanel("sort_order")],
)
InstructorViewSet = scoped(
    Instructor,
    icon="user",
    menu_label=_("Instructors"),
    list_display=["first_name", "last_name", "is_active"],
    search_fields=["first_name", "last_name"],
    panels=[FieldPanel("first_name"), FieldPanel("last_name"), FieldPanel("is_active")],
)
ClassViewSet = scoped(
    Class,
    form_class=ClassForm,
    icon="date",
    menu_label=_("Classes"),
    list_display=["name", "program", "level", "location", "instructor", "capacity"],
    # A level is shown with its program's name.
    list_select_related=["level__program"],
    list_filter=["program", "location", "online_enrollment"],
    search_fields=["name", "description"],
    panels=[
        SeatsPanel(heading=_("Seats")),
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("program"), FieldPanel("level")]),
        FieldRowPanel([FieldPanel("location"), FieldPanel("instructor")]),
        InlinePanel("schedules", heading=_("Weekly schedule"), min_num=1),
        FieldRowPanel([FieldPanel("season_start"), FieldPanel("season_end")]),
        FieldRowPanel([FieldPanel("capacity"), FieldPanel("gender")]),
        ConfirmCapacityPanel("confirm_capacity"),
        AGE_PANEL,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("tuition"), FieldPanel("tuition_period")]),
                FieldPanel("registration_fee"),
            ],
            heading=_("Price"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("online_enrollment"),
                FieldPanel("waitlist_allowed"),
                FieldPanel("registration_opens_at"),
            ],
            heading=_("Registration"),
        ),
        FieldPanel("description"),
    ],
)
ClassViewSet = with_roster(ClassViewSet)
EventViewSet = scoped(
    Event,
    icon="calendar",
    menu_label=_("Events (camps)"),
    list_display=["name", "location", "start_date", "end_date", "capacity"],
    list_filter=["location"],
    search_fields=["name"],
    panels=[
        FieldPanel("name"),
        FieldPanel("location"),
        FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
        FieldRowPanel([FieldPanel("daily_start"), FieldPanel("daily_end")]),
        FieldPanel("capacity"),
        FieldRowPanel([FieldPanel("price"), FieldPanel("price_per_day")]),
        AGE_PANEL,
        FieldPanel("online_enrollment"),
        FieldPanel("description"),
    ],
)
PartyPackageViewSet = scoped(
    PartyPackage,
    icon="pick",
    menu_label=_("Party packages"),
    list_display=["name", "duration_minutes", "price", "deposit", "guest_limit"],
    search_fields=["name"],
    panels=[
        FieldPanel("name"),
        FieldPanel("duration_minutes"),
        FieldRowPanel([FieldPanel("price"), FieldPanel("deposit")]),
        FieldPanel("guest_limit"),
        FieldPanel("description"),
    ],
)
PartySlotViewSet = scoped(
    PartySlot,
    icon="time",
    menu_label=_("Party time slots"),
    list_display=["starts_at", "location"],
    list_filter=["location"],
    panels=[FieldPanel("location"), FieldPanel("starts_at")],
)
BlackoutViewSet = scoped(
    Blackout,
    icon="warning",
    menu_label=_("Blackouts"),
    list_display=["name", "location", "start_date", "end_date"],
    search_fields=["name"],
    panels=[
        FieldPanel("name"),
        FieldPanel("location"),
        FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
        FieldRowPanel([FieldPanel("start_time"), FieldPanel("end_time")]),
    ],
)


class CatalogGroup(ViewSetGroup):
    menu_label = _("Catalog")
    menu_icon = "date"
    menu_order = 205
    items = (
        ProgramViewSet,
        LevelViewSet,
        InstructorViewSet,
        ClassViewSet,
        EventViewSet,
        PartyPackageViewSet,
        PartySlotViewSet,
        BlackoutViewSet,
    )


@hooks.register("register_admin_viewset")
def register_viewsets():
    return CatalogGroup()
