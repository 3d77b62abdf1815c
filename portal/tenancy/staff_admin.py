"""The Staff screens of the admin: invite by e-mail, change a role, remove.

Superusers manage every organization's staff; a manager manages the staff of
the organizations they manage, and nobody else reaches these screens (the
permission policy asks for both the role and the model permission that only
the managers' group holds). The writes are the staff services in
portal/tenancy/services.py.
"""

from django import forms
from django.db import transaction
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log
from wagtail.permission_policies.base import ModelPermissionPolicy

from portal.accounts.emails import site_url

from .admin_listing import ListingIndexView, ListingViewSetMixin
from .admin_views import (
    ScopedDeleteView,
    ScopedEditView,
    ScopedHistoryView,
    ScopedUsageView,
    ScopedViewSetMixin,
)
from .errors import TenancyError
from .models import Organization, StaffMembership
from .services import (
    managed_organization_ids,
    staff_member_invite,
    staff_member_invite_again,
    staff_member_remove,
    staff_member_set_role,
)


def managed_ids(user):
    """managed_organization_ids, kept on the user for the request (listing
    buttons ask once per row)."""
    cached = getattr(user, "_portico_managed_org_ids", False)
    if cached is False:
        cached = managed_organization_ids(user)
        user._portico_managed_org_ids = cached
    return cached


class StaffPermissionPolicy(ModelPermissionPolicy):
    """Superusers; else managers with the staff permissions (which only the
    managers' groups hold), for the organizations they manage."""

    def user_has_permission(self, user, action):
        ids = managed_ids(user)
        if ids is None:
            return True
        return bool(ids) and super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not self.user_has_any_permission(user, actions):
            return False
        ids = managed_ids(user)
        return ids is None or instance.organization_id in ids

    def instances_user_has_any_permission_for(self, user, actions):
        memberships = StaffMembership.objects.with_scopes_disabled().all()
        if not self.user_has_any_permission(user, actions):
            return memberships.none()
        ids = managed_ids(user)
        return (
            memberships if ids is None else memberships.filter(organization_id__in=ids)
        )


def _managed_organizations(user):
    ids = managed_ids(user)
    organizations = Organization.objects.order_by("name")
    return organizations if ids is None else organizations.filter(pk__in=ids)


class StaffInviteForm(WagtailAdminModelForm):
    """Who to invite, where and as what. A manager of one organization is not
    asked which."""

    email = forms.EmailField(label=_("Email"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)

    class Meta:
        model = StaffMembership
        fields = ["organization", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.own_organization = None
        if self.for_user is None:
            return
        organizations = list(_managed_organizations(self.for_user))
        if len(organizations) == 1:
            self.own_organization = organizations[0]
            del self.fields["organization"]
        else:
            field = self.fields["organization"]
            field.queryset = _managed_organizations(self.for_user)
            field.empty_label = None

    @property
    def organization(self):
        return self.cleaned_data.get("organization") or self.own_organization


class StaffRoleForm(WagtailAdminModelForm):
    invite_again = forms.BooleanField(
        label=_("Send the invitation again"),
        required=False,
        help_text=_(
            "They have not chosen a password yet: e-mail them a new link to choose one."
        ),
    )

    class Meta:
        model = StaffMembership
        fields = ["role"]


class InviteAgainPanel(FieldPanel):
    """Offered only while the person has not chosen a password."""

    class BoundPanel(FieldPanel.BoundPanel):
        def is_shown(self):
            user = getattr(self.instance, "user", None)
            return (
                super().is_shown()
                and user is not None
                and not user.has_usable_password()
            )


class StaffIndexView(ListingIndexView):
    add_item_label = _("Invite a staff member")

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        ids = managed_ids(self.request.user)
        return queryset if ids is None else queryset.filter(organization_id__in=ids)


class ManagedObjectMixin:
    """Another organization's staff member, or one of an organization the user
    works for but does not manage, is not found."""

    def get_object(self, *args, **kwargs):
        membership = super().get_object(*args, **kwargs)
        ids = managed_ids(self.request.user)
        if ids is not None and membership.organization_id not in ids:
            raise Http404
        return membership


class ServiceErrorMixin:
    """A refusal of the staff services (the last manager, a taken email) is
    shown next to its field, and nothing is saved."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except TenancyError as error:
            form.add_error(error.field, error.message)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class StaffInviteView(ServiceErrorMixin, generic.CreateView):
    page_title = _("Invite a staff member")
    submit_button_label = _("Send invitation")
    submit_button_active_label = _("Sending…")

    def save_instance(self):
        form = self.form
        data = form.cleaned_data
        membership = staff_member_invite(
            organization=form.organization,
            email=data["email"],
            role=data["role"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            inviter=str(self.request.user),
            base_url=site_url(self.request),
        )
        log(instance=membership, action="wagtail.create", user=self.request.user)
        return membership

    def get_success_message(self, instance):
        return _("%(email)s is on the staff of %(organization)s now.") % {
            "email": instance.user.email,
            "organization": instance.organization,
        }


class StaffEditView(ServiceErrorMixin, ManagedObjectMixin, ScopedEditView):
    def save_instance(self):
        # The form changed the instance in memory; the service decides.
        role = self.form.cleaned_data["role"]
        membership = StaffMembership.objects.select_related("user", "organization").get(
            pk=self.object.pk
        )
        membership = staff_member_set_role(membership=membership, role=role)
        log(instance=membership, action="wagtail.edit", user=self.request.user)
        if self.form.cleaned_data.get("invite_again"):
            staff_member_invite_again(
                membership=membership,
                inviter=str(self.request.user),
                base_url=site_url(self.request),
            )
        return membership


class StaffRemoveView(ManagedObjectMixin, ScopedDeleteView):
    page_title = _("Remove from staff")
    success_message = _("%(object)s was removed from the staff.")

    @property
    def confirmation_message(self):
        return _(
            "Remove %(person)s from the staff of %(organization)s? They can no "
            "longer use its admin."
        ) % {"person": self.object.user, "organization": self.object.organization}

    def delete_action(self):
        with transaction.atomic():
            log(instance=self.object, action="wagtail.delete", user=self.request.user)
            staff_member_remove(membership=self.object)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except TenancyError as error:
            messages.error(self.request, error.message)
            return self.render_to_response(self.get_context_data(form=form))


class StaffHistoryView(ManagedObjectMixin, ScopedHistoryView):
    pass


class StaffUsageView(ManagedObjectMixin, ScopedUsageView):
    pass


class StaffViewSet(ListingViewSetMixin, ScopedViewSetMixin, ModelViewSet):
    model = StaffMembership
    name = "staff"
    icon = "user"
    menu_label = _("Staff")
    index_view_class = StaffIndexView
    add_view_class = StaffInviteView
    edit_view_class = StaffEditView
    delete_view_class = StaffRemoveView
    history_view_class = StaffHistoryView
    usage_view_class = StaffUsageView
    list_display = ["name", "email", "role", "organization", "status"]
    list_select_related = ["user"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]

    edit_handler = ObjectList(
        [FieldPanel("role"), InviteAgainPanel("invite_again")],
        base_form_class=StaffRoleForm,
    )
    invite_handler = ObjectList(
        [
            FieldPanel("email"),
            FieldRowPanel([FieldPanel("first_name"), FieldPanel("last_name")]),
            FieldPanel("organization"),
            FieldPanel("role"),
        ],
        base_form_class=StaffInviteForm,
    )

    @cached_property
    def _invite_handler(self):
        return self.invite_handler.bind_to_model(self.model)

    def get_form_class(self, for_update=False):
        handler = self._edit_handler if for_update else self._invite_handler
        return handler.get_form_class()

    def get_add_view_kwargs(self, **kwargs):
        return super().get_add_view_kwargs(panel=self._invite_handler, **kwargs)
