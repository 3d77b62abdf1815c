"""Tuition billing in the admin: choose a month (and a location), see what
each family would be charged, post it, then charge the families' stored
methods; the runs made before, with their results.

Only the managers and front desk of an organization (and superusers) reach
these screens, for their own organizations; marketing staff are refused and
another organization's run is not found. The screens sit in the admin's
"Billing" menu (its items are registered with the
`register_billing_menu_item` hook, like the reports of report_admin.py).
"""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View
from django_scopes import scopes_disabled
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from portal.tenancy.models import Location, Organization, StaffMembership, StaffRole

from .models import (
    BillingRun,
    BillingRunLine,
    BillingRunLineStatus,
    BillingRunPayment,
    BillingRunPaymentStatus,
    BillingRunStatus,
)
from .tuition import (
    MESSAGES,
    TuitionError,
    month_label,
    tuition_plan,
    tuition_run_charge,
    tuition_run_post,
)

BILLING_ROLES = (StaffRole.MANAGER, StaffRole.FRONT_DESK)


# Who may use the billing screens ---------------------------------------------


def billing_organization_ids(user):
    """Ids of the organizations whose money the user handles (manager or
    front desk there); None for a superuser (every one)."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    cached = getattr(user, "_portico_billing_org_ids", None)
    if cached is None:
        with scopes_disabled():
            cached = list(
                StaffMembership.objects.filter(
                    user=user, role__in=BILLING_ROLES
                ).values_list("organization_id", flat=True)
            )
        user._portico_billing_org_ids = cached
    return cached


def billing_organizations(user):
    organizations = Organization.objects.order_by("name", "pk")
    ids = billing_organization_ids(user)
    return organizations if ids is None else organizations.filter(pk__in=ids)


def may_use_billing(user) -> bool:
    ids = billing_organization_ids(user)
    return ids is None or bool(ids)


def for_billing_staff(queryset, user, field="organization_id"):
    ids = billing_organization_ids(user)
    return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})


class BillingStaffMixin:
    """Refuses staff who handle no organization's money (marketing)."""

    def dispatch(self, request, *args, **kwargs):
        if not may_use_billing(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class OrganizationChoiceForm(forms.Form):
    """A form for one of the user's organizations: the choice is left out
    for someone who handles one only; locations are those of the chosen
    organization."""

    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none()
    )
    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.none(),
        required=False,
        empty_label=_("Every location"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organizations = billing_organizations(user)
        self.fields["organization"].queryset = organizations
        self.fields["organization"].empty_label = None
        self.fields["location"].queryset = for_billing_staff(
            Location.objects.order_by("organization__name", "sort_order", "name"),
            user,
        ).select_related("organization")
        first_two = list(organizations[:2])
        self.single = first_two[0] if len(first_two) == 1 else None
        if self.single is not None:
            del self.fields["organization"]
        else:
            self.fields["location"].label_from_instance = lambda row: (
                f"{row.organization} – {row}"
            )

    def clean(self):
        cleaned = super().clean()
        organization = self.single or cleaned.get("organization")
        cleaned["organization"] = organization
        location = cleaned.get("location")
        if (
            organization is not None
            and location is not None
            and location.organization_id != organization.pk
        ):
            self.add_error("location", MESSAGES["wrong_location"])
        return cleaned


class MonthField(forms.DateField):
    widget = forms.DateInput(format="%Y-%m", attrs={"type": "month"})
    input_formats = ["%Y-%m"]
    default_error_messages = {
        "required": MESSAGES["month_missing"],
        "invalid": _("Enter a month as year and month, such as 2026-03."),
    }


class BillingRunForm(OrganizationChoiceForm):
    month = MonthField(
        label=_("Month"), help_text=_("The month whose tuition is posted.")
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    field_order = ["organization", "month", "location"]


# Screens ------------------------------------------------------------------------


class TuitionIndexView(BillingStaffMixin, TemplateView):
    """The runs made before, newest first."""

    template_name = "portal/billing/admin/tuition_index.html"

    def get_context_data(self, **kwargs):
        runs = for_billing_staff(
            BillingRun.objects.select_related(
                "organization", "location", "created_by", "charged_by"
            ).order_by("-created_at", "-pk"),
            self.request.user,
        )
        page = Paginator(runs, 25).get_page(self.request.GET.get("p"))
        for run in page.object_list:
            run.month_label = month_label(run.month)
            run.zone = run.location.time_zone if run.location else "UTC"
        return super().get_context_data(
            page=page,
            runs=page.object_list,
            several=self.several,
            **kwargs,
        )

    @cached_property
    def several(self):
        return billing_organizations(self.request.user)[:2].count() > 1


class TuitionNewView(BillingStaffMixin, TemplateView):
    """Choose the month, see the preview, post."""

    template_name = "portal/billing/admin/tuition_new.html"

    def get(self, request, *args, **kwargs):
        form = BillingRunForm(user=request.user)
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = BillingRunForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        # A copy: add_error() below takes the field out of cleaned_data.
        data = dict(form.cleaned_data)
        if request.POST.get("action") == "post":
            return self.post_run(form, data)
        plan = tuition_plan(
            organization=data["organization"],
            month=data["month"],
            location=data["location"],
        )
        label = month_label(plan.month)
        if not plan.lines:
            form.add_error("month", MESSAGES["nothing_to_bill"] % {"month": label})
        elif not plan.to_post:
            form.add_error("month", MESSAGES["already_billed"] % {"month": label})
        # A fresh key for this preview's Post button: sending it twice posts
        # one run.
        key_form = BillingRunForm(
            initial={
                **data,
                "month": data["month"].strftime("%Y-%m"),
                "idempotency_key": uuid.uuid4().hex,
            },
            user=request.user,
        )
        return self.render_to_response(
            self.get_context_data(form=form, key_form=key_form, plan=plan, month=label)
        )

    def post_run(self, form, data):
        key = data["idempotency_key"] or ""
        if not key:
            form.add_error(None, _("Preview the run first, then post it."))
            return self.render_to_response(self.get_context_data(form=form))
        try:
            run = tuition_run_post(
                organization=data["organization"],
                month=data["month"],
                location=data["location"],
                idempotency_key=key,
                by=self.request.user,
            )
        except TuitionError as error:
            form.add_error(error.field, error.message)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(
            self.request,
            gettext("Tuition for %(month)s posted: %(count)s charges.")
            % {"month": month_label(run.month), "count": run.posted_count},
        )
        return redirect("billing_tuition_run", run.pk)


def run_for(user, run_id) -> BillingRun:
    try:
        return for_billing_staff(
            BillingRun.objects.select_related(
                "organization", "location", "created_by", "charged_by"
            ),
            user,
        ).get(pk=run_id)
    except BillingRun.DoesNotExist as error:
        raise Http404 from error


class TuitionRunView(BillingStaffMixin, TemplateView):
    """One run: its lines by family, and what charging gave."""

    template_name = "portal/billing/admin/tuition_run.html"

    def get_context_data(self, **kwargs):
        run = run_for(self.request.user, self.kwargs["run_id"])
        lines = list(
            BillingRunLine.objects.filter(run=run)
            .select_related("family", "student", "enrollment__klass")
            .order_by("family__name", "family_id", "pk")
        )
        families = {}
        for line in lines:
            entry = families.setdefault(
                line.family_id, {"family": line.family, "lines": [], "total": 0}
            )
            entry["lines"].append(line)
            if line.status == BillingRunLineStatus.POSTED:
                entry["total"] += line.amount
        payments = list(
            BillingRunPayment.objects.filter(run=run)
            .select_related("family", "method", "payment")
            .order_by("family__name", "pk")
        )
        return super().get_context_data(
            run=run,
            zone=run.location.time_zone if run.location else "UTC",
            month=month_label(run.month),
            families=list(families.values()),
            payments=payments,
            declines=[
                p for p in payments if p.status == BillingRunPaymentStatus.DECLINED
            ],
            approved_total=sum(
                p.amount
                for p in payments
                if p.status == BillingRunPaymentStatus.APPROVED
            ),
            may_charge=run.status == BillingRunStatus.POSTED and run.posted_count > 0,
            **kwargs,
        )


class TuitionChargeView(BillingStaffMixin, View):
    """Charge the stored methods of a run's families (POST only)."""

    http_method_names = ["post"]

    def post(self, request, run_id):
        run = run_for(request.user, run_id)
        try:
            rows = tuition_run_charge(run=run, by=request.user)
        except TuitionError as error:
            messages.error(request, error.message)
            return redirect("billing_tuition_run", run.pk)
        declined = sum(1 for row in rows if row.status == "declined")
        approved = sum(1 for row in rows if row.status == "approved")
        messages.success(
            request,
            gettext("Charged: %(approved)s approved, %(declined)s declined.")
            % {"approved": approved, "declined": declined},
        )
        return redirect("billing_tuition_run", run.pk)


@hooks.register("register_admin_urls")
def register_tuition_urls():
    return [
        path("billing/tuition/", TuitionIndexView.as_view(), name="billing_tuition"),
        path(
            "billing/tuition/new/",
            TuitionNewView.as_view(),
            name="billing_tuition_new",
        ),
        path(
            "billing/tuition/<int:run_id>/",
            TuitionRunView.as_view(),
            name="billing_tuition_run",
        ),
        path(
            "billing/tuition/<int:run_id>/charge/",
            TuitionChargeView.as_view(),
            name="billing_tuition_charge",
        ),
    ]


# The "Billing" menu -----------------------------------------------------------


class BillingMenuItem(MenuItem):
    def is_shown(self, request):
        return may_use_billing(request.user)


billing_menu = Menu(
    register_hook_name="register_billing_menu_item",
    construct_hook_name="construct_billing_menu",
)


@hooks.register("register_admin_menu_item")
def register_billing_menu():
    return SubmenuMenuItem(
        _("Billing"), billing_menu, name="billing", icon_name="form", order=202
    )


@hooks.register("register_billing_menu_item")
def register_tuition_menu_item():
    return BillingMenuItem(
        _("Tuition billing"),
        reverse("billing_tuition"),
        name="tuition-billing",
        icon_name="calendar",
        order=100,
    )
