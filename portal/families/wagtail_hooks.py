from django.contrib.admin.utils import quote
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from portal.tenancy.admin_listing import ListingIndexView, ListingViewSetMixin
from portal.tenancy.admin_views import ScopedViewSetMixin
from portal.tenancy.roles import RolePermissionPolicy

from .models import Family, Student, phone_search_query

register_permission_policy(Family, RolePermissionPolicy(Family))
register_permission_policy(Student, RolePermissionPolicy(Student))


class FamilySearchIndexView(ListingIndexView):
    """Families and students are searched in Wagtail's index; a typed phone
    number is put in the form the index holds it in."""

    @cached_property
    def search_query(self):
        return phone_search_query(super().search_query)

    def get_list_more_buttons(self, instance):
        # The family record (billing/family_admin.py): balance, ledger, money.
        from portal.billing.family_admin import record_button

        buttons = super().get_list_more_buttons(instance)
        button = record_button(self.request.user, instance)
        return [button, *buttons] if button else buttons


class FamilyIndexView(FamilySearchIndexView):
    """The families listing: rows can be chosen for bulk actions, such as
    Print statements (portal/billing/batch_admin.py)."""

    template_name = "portal/families/admin/family_index.html"

    @cached_property
    def columns(self):
        return [
            BulkActionsCheckboxColumn("bulk_actions", obj_type="family"),
            *super().columns,
        ]

    def _get_title_column(self, *args, **kwargs):
        return super()._get_title_column(
            *args,
            **kwargs,
            get_title_id=lambda instance: f"family_{quote(instance.pk)}_title",
        )


class FamilyViewSet(ListingViewSetMixin, ScopedViewSetMixin, ModelViewSet):
    model = Family
    icon = "group"
    menu_label = _("Families")
    add_view_enabled = False
    index_view_class = FamilyIndexView
    list_display = ["name", "is_suspended", "referral_source", "created_at"]
    list_filter = ["is_suspended"]
    # Family is indexed (portal/families/models.py): the search box looks up
    # the family name, guardians' names, e-mails and phones in the index.
    # Related lookups are scoped models: their choices cannot be built when
    # the form class is made, so the referral source is shown, not edited.
    edit_handler = ObjectList([FieldPanel("name"), FieldPanel("is_suspended")])


class StudentViewSet(ListingViewSetMixin, ScopedViewSetMixin, ModelViewSet):
    model = Student
    icon = "user"
    menu_label = _("Students")
    add_view_enabled = False
    index_view_class = FamilySearchIndexView
    list_display = ["first_name", "last_name", "family", "date_of_birth"]
    # Student is indexed: names, and its family's guardians, e-mails, phones.
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
