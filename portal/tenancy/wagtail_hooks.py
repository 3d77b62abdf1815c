from django.forms import modelform_factory
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from portal.billing.gateway_admin import GatewayLinkPanel

from . import isolation_hooks  # noqa: F401  (registers its hooks)
from .admin_listing import ListingViewSetMixin
from .admin_views import ScopedViewSetMixin
from .models import Location, Organization, PortalSettings, StaffMembership
from .permissions import (
    OrganizationOwnedForm,
    SuperuserOnlyPolicy,
    pages_for_user,
)
from .roles import RolePermissionPolicy
from .services import organization_create
from .staff_admin import StaffPermissionPolicy, StaffViewSet

register_permission_policy(Location, RolePermissionPolicy(Location))
register_permission_policy(PortalSettings, RolePermissionPolicy(PortalSettings))
register_permission_policy(Organization, SuperuserOnlyPolicy(Organization))
register_permission_policy(StaffMembership, StaffPermissionPolicy(StaffMembership))


class LocationViewSet(ListingViewSetMixin, ScopedViewSetMixin, ModelViewSet):
    model = Location
    icon = "site"
    menu_label = _("Locations")
    list_display = ["name", "organization", "city", "phone", "is_primary", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "city"]
    edit_handler = ObjectList(
        [
            FieldPanel("organization"),
            FieldPanel("name"),
            MultiFieldPanel(
                [
                    FieldPanel("address_line1"),
                    FieldPanel("address_line2"),
                    FieldRowPanel([FieldPanel("city"), FieldPanel("region")]),
                    FieldRowPanel([FieldPanel("postal_code"), FieldPanel("country")]),
                ],
                heading=_("Address"),
            ),
            FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
            FieldPanel("time_zone"),
            FieldRowPanel([FieldPanel("is_primary"), FieldPanel("is_active")]),
            FieldPanel("sort_order"),
        ],
        base_form_class=OrganizationOwnedForm,
    )


class PortalSettingsViewSet(ListingViewSetMixin, ScopedViewSetMixin, ModelViewSet):
    model = PortalSettings
    icon = "cogs"
    menu_label = _("Portal settings")
    add_view_enabled = False
    delete_view_enabled = False
    list_display = ["organization", "mode"]
    edit_handler = ObjectList(
        [
            FieldPanel("mode"),
            MultiFieldPanel(
                [
                    FieldPanel("show_news"),
                    FieldPanel("show_staff_page"),
                    FieldPanel("show_find_class"),
                ],
                heading=_("Features"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("allow_account_creation"),
                    FieldPanel("require_email_validation"),
                    FieldPanel("require_student_gender"),
                    FieldPanel("privacy_policy_url"),
                    FieldPanel("terms_url"),
                ],
                heading=_("Family accounts"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("website_url"),
                    FieldPanel("ios_app_url"),
                    FieldPanel("android_app_url"),
                ],
                heading=_("Links"),
            ),
            MultiFieldPanel(
                [FieldPanel(f"filter_{name}") for name in PortalSettings.CLASS_FILTERS],
                heading=_("Class filters parents see"),
            ),
            FieldPanel("carousel_seconds"),
            MultiFieldPanel(
                [
                    FieldPanel("reservation_minutes"),
                    FieldRowPanel(
                        [FieldPanel("accept_cards"), FieldPanel("accept_echecks")]
                    ),
                    FieldPanel("require_recurring_method"),
                    FieldPanel("pay_at_front_desk"),
                    GatewayLinkPanel(),
                ],
                heading=_("Enrolling and payments"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("show_credit"),
                    FieldPanel("show_full_ledger_history"),
                    FieldPanel("logo"),
                    FieldPanel("tax_id"),
                ],
                heading=_("Statements and account history"),
            ),
        ]
    )


class OrganizationCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return organization_create(
            name=data["name"], slug=data["slug"], currency=data["currency"]
        )


class OrganizationViewSet(ModelViewSet):
    model = Organization
    icon = "group"
    menu_label = _("Organizations")
    add_view_class = OrganizationCreateView
    inspect_view_enabled = False
    copy_view_enabled = False
    delete_view_enabled = False
    list_display = ["name", "slug", "currency"]
    search_fields = ["name", "slug"]

    def get_form_class(self, for_update=False):
        # The account name is in every URL and names the page tree: it is
        # fixed once the organization exists.
        fields = ["name", "currency"] if for_update else ["name", "slug", "currency"]
        return modelform_factory(self.model, form=WagtailAdminModelForm, fields=fields)


class OrganizationGroup(ViewSetGroup):
    menu_label = _("Organization")
    menu_icon = "home"
    menu_order = 200
    items = (LocationViewSet, PortalSettingsViewSet, StaffViewSet, OrganizationViewSet)


@hooks.register("register_admin_viewset")
def register_viewsets():
    return OrganizationGroup()


@hooks.register("construct_page_chooser_queryset")
def limit_page_chooser_to_own_organizations(pages, request):
    """Staff link only to their own organizations' pages; the chooser would
    otherwise list and search every organization's page titles."""
    return pages_for_user(pages, request.user)


# Wagtail reports that summarise every organization at once: site history lists
# the log entries of every row of a model the user may edit, page types usage
# names the last edited page of each type. Staff see neither in the menu.
# The tenant middleware refuses their URLs to anyone but a superuser.
CROSS_ORGANIZATION_REPORTS = {"site-history", "page-types-usage"}


@hooks.register("construct_reports_menu")
def hide_cross_organization_reports(request, menu_items):
    if request.user.is_superuser:
        return
    menu_items[:] = [
        item for item in menu_items if item.name not in CROSS_ORGANIZATION_REPORTS
    ]
