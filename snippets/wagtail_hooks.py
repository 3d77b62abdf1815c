from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from portal.tenancy.admin_listing import ListingViewSetMixin
from portal.tenancy.admin_views import ScopedViewSetMixin
from portal.tenancy.permissions import (
    OrganizationOwnedForm,
)
from portal.tenancy.roles import RolePermissionPolicy

from .models import CustomField, ReferralSource

register_permission_policy(ReferralSource, RolePermissionPolicy(ReferralSource))
register_permission_policy(CustomField, RolePermissionPolicy(CustomField))


class ReferralSourceViewSet(ListingViewSetMixin, ScopedViewSetMixin, ModelViewSet):
    model = ReferralSource
    icon = "tag"
    menu_label = _("Referral sources")
    list_display = ["name", "organization", "is_active", "sort_order"]
    search_fields = ["name"]
    edit_handler = ObjectList(
        [
            FieldPanel("organization"),
            FieldPanel("name"),
            FieldPanel("is_active"),
            FieldPanel("sort_order"),
        ],
        base_form_class=OrganizationOwnedForm,
    )


class CustomFieldViewSet(ListingViewSetMixin, ScopedViewSetMixin, ModelViewSet):
    model = CustomField
    icon = "form"
    menu_label = _("Custom fields")
    list_display = ["label", "applies_to", "field_type", "required", "organization"]
    list_filter = ["applies_to", "field_type"]
    search_fields = ["label"]
    edit_handler = ObjectList(
        [
            FieldPanel("organization"),
            FieldPanel("label"),
            FieldPanel("applies_to"),
            FieldPanel("field_type"),
            FieldPanel("choices"),
            FieldPanel("required"),
            FieldPanel("visible_to_customers"),
            FieldPanel("sort_order"),
        ],
        base_form_class=OrganizationOwnedForm,
    )


class LookupsGroup(ViewSetGroup):
    menu_label = _("Lookups")
    menu_icon = "list-ul"
    menu_order = 220
    items = (ReferralSourceViewSet, CustomFieldViewSet)


@hooks.register("register_admin_viewset")
def register_viewsets():
    return LookupsGroup()
