from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from portal.tenancy.admin_views import ScopedViewSetMixin
from portal.tenancy.permissions import OrganizationPermissionPolicy

from .models import Family, Student

register_permission_policy(Family, OrganizationPermissionPolicy(Family))
register_permission_policy(Student, OrganizationPermissionPolicy(Student))


class FamilyViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Family
    icon = "group"
    menu_label = _("Families")
    add_view_enabled = False
    list_display = ["name", "is_suspended", "referral_source", "created_at"]
    list_filter = ["is_suspended"]
    search_fields = ["name"]
    # Related lookups are scoped models: their choices cannot be built when
    # the form class is made, so the referral source is shown, not edited.
    edit_handler = ObjectList([FieldPanel("name"), FieldPanel("is_suspended")])


class StudentViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Student
    icon = "user"
    menu_label = _("Students")
    add_view_enabled = False
    list_display = ["first_name", "last_name", "family", "date_of_birth"]
    search_fields = ["first_name", "last_name"]
    edit_handler = ObjectList(
        [
            FieldPanel("first_name"),
            FieldPanel("last_name"),
            FieldPanel("date_of_birth"),
            FieldPanel("gender"),
            FieldPanel("has_allergies"),
            FieldPanel("allergy_details"),
        ]
    )


class FamiliesGroup(ViewSetGroup):
    menu_label = _("Families")
    menu_icon = "group"
    menu_order = 210
    items = (FamilyViewSet, StudentViewSet)


@hooks.register("register_admin_viewset")
def register_viewsets():
    return FamiliesGroup()
