"""A class's roster in the admin: who is enrolled, who waits (and in which
position), and which seats families hold in their carts right now. From it
staff enroll a student of any family of the organization, or put one on the
waitlist, through the enrolling services and their seat rules
(portal/enrollments/staff.py).

Staff whose role may view the class's organization's classes see it (managers,
front desk); enrolling needs the permission to change them (the same roles).
Marketing is refused; another organization's class is not found.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from django_scopes.forms import SafeModelChoiceField
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.widgets.button import Button

from portal.enrollments.errors import EnrollmentError
from portal.enrollments.selectors import class_roster
from portal.enrollments.staff import staff_enroll
from portal.families.models import Student
from portal.tenancy.permissions import user_organization_ids
from portal.tenancy.roles import organizations_allowing

from .models import Class


class RosterEnrollForm(forms.Form):
    """A student of the class's organization not enrolled in it yet (a
    waiting student may be given a seat)."""

    student = SafeModelChoiceField(
        label=_("Student"), queryset=Student.objects.none(), empty_label=_("Choose…")
    )

    def __init__(self, *args, klass, roster, **kwargs):
        super().__init__(*args, **kwargs)
        enrolled = [row.student_id for row in roster.active]
        self.fields["student"].queryset = (
            Student.objects.filter(organization_id=klass.organization_id)
            .exclude(pk__in=enrolled)
            .select_related("family")
            .order_by("last_name", "first_name", "pk")
        )
        self.fields["student"].label_from_instance = self.student_label

    @staticmethod
    def student_label(student):
        return gettext("%(student)s (%(family)s)") % {
            "student": student.full_name,
            "family": student.family.name,
        }


class RosterView(TemplateView):
    template_name = "portal/catalog/admin/roster.html"
    # Set by the viewset.
    model = Class
    edit_url_name = ""
    index_url_name = ""

    @cached_property
    def klass(self):
        # The admin scope already keeps other organizations' classes out.
        klass = (
            Class.objects.select_related("location", "program", "organization")
            .filter(pk=self.kwargs["pk"])
            .first()
        )
        org_ids = user_organization_ids(self.request.user)
        if klass is None or (
            org_ids is not None and klass.organization_id not in org_ids
        ):
            raise Http404
        return klass

    def allowed(self, action):
        allowed = organizations_allowing(self.request.user, Class, [action])
        return allowed is None or self.klass.organization_id in allowed

    def dispatch(self, request, *args, **kwargs):
        self.now = timezone.now()
        if not self.allowed("view"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def roster(self):
        return class_roster(
            organization=self.klass.organization, klass=self.klass, now=self.now
        )

    def post(self, request, *args, **kwargs):
        if not self.allowed("change"):
            raise PermissionDenied
        form = RosterEnrollForm(request.POST, klass=self.klass, roster=self.roster)
        if form.is_valid():
            student = form.cleaned_data["student"]
            waitlist = "waitlist" in request.POST
            try:
                staff_enroll(
                    klass=self.klass,
                    student=student,
                    waitlist=waitlist,
                    by=request.user,
                    now=self.now,
                )
            except EnrollmentError as error:
                form.add_error("student", str(error.message))
            else:
                done = (
                    gettext("%(student)s joined the waitlist.")
                    if waitlist
                    else gettext("%(student)s is enrolled.")
                )
                messages.success(request, done % {"student": student.full_name})
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        roster = self.roster
        klass = self.klass
        context.update(
            klass=klass,
            roster=roster,
            enrolled=len(roster.active),
            held=len(roster.holds),
            open_seats=roster.open_seats,
            can_enroll=self.allowed("change"),
            edit_url=reverse(self.edit_url_name, args=[klass.pk]),
            index_url=reverse(self.index_url_name),
        )
        context.setdefault("form", RosterEnrollForm(klass=klass, roster=roster))
        return context


def roster_button(url, priority=15):
    return Button(_("Roster"), url=url, icon_name="group", priority=priority)


def with_roster(viewset_class):
    """The class viewset with a roster URL (``<namespace>:roster``) and a
    Roster button on each row of the listing and on the edit screen."""

    class IndexView(viewset_class.index_view_class):
        def get_list_more_buttons(self, instance):
            buttons = super().get_list_more_buttons(instance)
            buttons.append(
                MenuItem(
                    _("Roster"),
                    url=reverse(self.roster_url_name, args=[instance.pk]),
                    icon_name="group",
                    priority=15,
                )
            )
            return buttons

    class EditView(viewset_class.edit_view_class):
        @cached_property
        def header_more_buttons(self):
            return [
                *super().header_more_buttons,
                roster_button(reverse(self.roster_url_name, args=[self.object.pk])),
            ]

    class RosterViewSet(viewset_class):
        index_view_class = IndexView
        edit_view_class = EditView

        def get_index_view_kwargs(self, **kwargs):
            return super().get_index_view_kwargs(
                roster_url_name=self.get_url_name("roster"), **kwargs
            )

        def get_edit_view_kwargs(self, **kwargs):
            return super().get_edit_view_kwargs(
                roster_url_name=self.get_url_name("roster"), **kwargs
            )

        @property
        def roster_view(self):
            return RosterView.as_view(
                model=self.model,
                edit_url_name=self.get_url_name("edit"),
                index_url_name=self.get_url_name("index"),
            )

        def get_urlpatterns(self):
            return [
                *super().get_urlpatterns(),
                path(
                    f"roster/<{self.pk_path_converter}:pk>/",
                    self.roster_view,
                    name="roster",
                ),
            ]

    IndexView.roster_url_name = ""
    EditView.roster_url_name = ""
    RosterViewSet.__name__ = viewset_class.__name__
    RosterViewSet.__qualname__ = viewset_class.__qualname__
    return RosterViewSet
