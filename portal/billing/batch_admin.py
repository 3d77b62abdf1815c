"""Print statements in a batch, from the admin (portal/billing/batch.py).

Staff choose a location, the families (those that owe there, those that owe
at least a minimum, or rows chosen on the families listing with the "Print
statements" bulk action) and a statement date. The batch prints in the
background; its page shows a progress bar that a small script
(static/js/admin/batch_progress.js) keeps up to date from a JSON endpoint,
then the link to the one PDF and the families that could not be printed.

Front desk staff and managers of an organization (those whose role may
change its families, as for the family record) print its statements;
marketing staff are refused (403) and another organization's batch is not
found (404), the PDF download included.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView, View
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.bulk_action import BulkAction

from portal.families.models import Family
from portal.tenancy.models import Location
from portal.tenancy.roles import organizations_allowing

from .batch import (
    MINIMUM,
    OWING,
    SELECTED,
    BatchError,
    batch_family_ids,
    batch_filename,
    batch_state,
    statement_batch_create,
)
from .models import BatchStatus, StatementBatch
from .statements import local_today

ALL = "all"  # every family of the organization, chosen on the listing
BATCHES_LISTED = 50

# Who may ----------------


def batch_organization_ids(user):
    """Ids of the organizations whose statements the user may print (their
    role may change families there); None: every one (superuser)."""
    return organizations_allowing(user, Family, ("change",))


def may_print_statements(user) -> bool:
    allowed = batch_organization_ids(user)
    return allowed is None or bool(allowed)


def _allowed(queryset, user, field="organization_id"):
    allowed = batch_organization_ids(user)
    if allowed is None:
        return queryset
    return queryset.filter(**{f"{field}__in": allowed})


def batch_for_staff(user, batch_id) -> StatementBatch:
    """The batch, for staff who may print its organization's statements:
    403 for a role that may print none, 404 for another's batch."""
    if not may_print_statements(user):
        raise PermissionDenied
    batch = (
        _allowed(StatementBatch.objects.all(), user)
        .select_related("location", "organization", "created_by")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None:
        raise Http404
    return batch


def families_for_staff(user, ids):
    """The families among `ids` (or every one, for ALL) the user may print."""
    families = _allowed(Family.objects.all(), user)
    if ALL in ids:
        return families
    wanted = [int(pk) for pk in ids if str(pk).isdigit()]
    return families.filter(pk__in=wanted)


class BatchStaffMixin:
    def dispatch(self, request, *args, **kwargs):
        if not may_print_statements(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


# The form ----------------


class LocationChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, several, **kwargs):
        self.several = several
        super().__init__(*args, **kwargs)

    def label_from_instance(self, location):
        if self.several:
            return f"{location.organization.name} – {location.name}"
        return location.name


class BatchForm(forms.Form):
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.none(), empty_label=None
    )
    rule = forms.ChoiceField(label=_("Families"), widget=forms.RadioSelect)
    minimum = forms.DecimalField(
        label=_("Smallest balance"),
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text=_("For “Families that owe at least”: the smallest balance."),
    )
    as_of = forms.DateField(
        label=_("Statement date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Charges still open at the end of this day are printed."),
    )
    families = forms.CharField(required=False, widget=forms.HiddenInput)
    request_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, user, selected=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.selected = list(selected)
        locations = _allowed(
            Location.objects.filter(is_active=True), user
        ).select_related("organization")
        if self.selected:
            # Families chosen on the listing: their organization's locations.
            organization_ids = {family.organization_id for family in self.selected}
            locations = locations.filter(organization_id__in=organization_ids)
        locations = locations.order_by("organization__name", "sort_order", "name")
        several = len({location.organization_id for location in locations}) > 1
        self.fields["location"] = LocationChoiceField(
            label=_("Location"),
            queryset=locations,
            empty_label=None,
            several=several,
        )
        choices = [
            (OWING, _("Every family that owes at this location")),
            (MINIMUM, _("Families that owe at least the smallest balance below")),
        ]
        if self.selected:
            count = len(self.selected)
            label = ngettext(
                "The family chosen on the families listing",
                "The %(count)s families chosen on the families listing",
                count,
            ) % {"count": count}
            choices.insert(0, (SELECTED, label))
        self.fields["rule"].choices = choices
        if not self.is_bound:
            first = next(iter(locations), None)
            self.initial.setdefault("location", first)
            self.initial.setdefault("rule", choices[0][0])
            self.initial.setdefault("request_key", uuid.uuid4().hex)
            if first is not None:
                self.initial.setdefault("as_of", local_today(first))

    def add_batch_error(self, error: BatchError):
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error.message))


# Views ----------------


class BatchIndexView(BatchStaffMixin, TemplateView):
    template_name = "portal/billing/admin/batch_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batches = _allowed(StatementBatch.objects.all(), self.request.user)
        context["batches"] = list(
            batches.select_related("location", "organization", "created_by").order_by(
                "-created_at", "-pk"
            )[:BATCHES_LISTED]
        )
        return context


class BatchCreateView(BatchStaffMixin, FormView):
    template_name = "portal/billing/admin/batch_new.html"
    form_class = BatchForm

    @cached_property
    def selection(self):
        """The families chosen on the listing (`family` in the query string,
        or the form's hidden field): ids, or [ALL]."""
        raw = (
            self.request.POST.get("families") if self.request.method == "POST" else None
        )
        if raw is not None:
            return [part for part in raw.split(",") if part]
        return self.request.GET.getlist("family")

    @cached_property
    def selected(self):
        if not self.selection:
            return []
        families = list(
            families_for_staff(self.request.user, self.selection)
            .select_related("organization")
            .order_by("name", "pk")
        )
        if not families:
            raise Http404
        return families

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "selected": self.selected,
        }

    def get_initial(self):
        initial = super().get_initial()
        if self.selection:
            initial["families"] = ",".join(self.selection)
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        location = data["location"]
        try:
            if data["rule"] == SELECTED:
                if ALL in self.selection:
                    ids = [
                        family.pk
                        for family in self.selected
                        if family.organization_id == location.organization_id
                    ]
                else:
                    ids = [int(pk) for pk in self.selection if pk.isdigit()]
            else:
                ids = None
            family_ids = batch_family_ids(
                location=location,
                rule=data["rule"],
                minimum=data.get("minimum"),
                family_ids=ids,
            )
            batch = statement_batch_create(
                location=location,
                as_of=data["as_of"],
                family_ids=family_ids,
                by=self.request.user,
                idempotency_key=data["request_key"],
            )
        except BatchError as error:
            form.add_batch_error(error)
            return self.form_invalid(form)
        return redirect("billing_batch_detail", batch.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["selected"] = self.selected
        return context


class BatchDetailView(TemplateView):
    template_name = "portal/billing/admin/batch_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = batch_for_staff(self.request.user, self.kwargs["batch_id"])
        context.update(batch=batch, state=batch_state(batch))
        return context


class BatchProgressView(View):
    """The batch's progress as JSON, for the progress page's script."""

    def get(self, request, batch_id):
        batch = batch_for_staff(request.user, batch_id)
        state = batch_state(batch)
        state["download_url"] = (
            reverse("billing_batch_download", args=[batch.pk]) if batch.pdf else None
        )
        response = JsonResponse(state)
        response["Cache-Control"] = "no-store"
        return response


class BatchDownloadView(View):
    """The batch's PDF from private storage, for its organization's staff."""

    def get(self, request, batch_id):
        batch = batch_for_staff(request.user, batch_id)
        if batch.status != BatchStatus.DONE or not batch.pdf:
            raise Http404(gettext("This batch has not finished printing."))
        response = FileResponse(
            batch.pdf.open("rb"),
            as_attachment=True,
            filename=batch_filename(batch),
            content_type="application/pdf",
        )
        response["Cache-Control"] = "private, no-store"
        return response


# The families listing's bulk action ----------------


class PrintStatementsBulkAction(BulkAction):
    """ "Print statements" for the rows chosen on the families listing: on to
    the batch form with those families (only the user's own; none: 404)."""

    display_name = _("Print statements")
    action_type = "print_statements"
    aria_label = _("Print statements for the chosen families")
    models = [Family]
    action_priority = 50

    def dispatch(self, request, *args, **kwargs):
        if not may_print_statements(request.user):
            raise PermissionDenied
        ids = request.GET.getlist("id")
        families = families_for_staff(request.user, ids)
        if not families.exists():
            raise Http404
        if ALL in ids:
            query = [("family", ALL)]
        else:
            query = [("family", pk) for pk in families.values_list("pk", flat=True)]
        return redirect(reverse("billing_batch_new") + "?" + urlencode(query))


hooks.register("register_bulk_action", PrintStatementsBulkAction)


# URLs and menu ----------------


@hooks.register("register_admin_urls")
def register_batch_urls():
    return [
        path(
            "billing/statement-batches/",
            BatchIndexView.as_view(),
            name="billing_batch_index",
        ),
        path(
            "billing/statement-batches/new/",
            BatchCreateView.as_view(),
            name="billing_batch_new",
        ),
        path(
            "billing/statement-batches/<int:batch_id>/",
            BatchDetailView.as_view(),
            name="billing_batch_detail",
        ),
        path(
            "billing/statement-batches/<int:batch_id>/progress/",
            BatchProgressView.as_view(),
            name="billing_batch_progress",
        ),
        path(
            "billing/statement-batches/<int:batch_id>/pdf/",
            BatchDownloadView.as_view(),
            name="billing_batch_download",
        ),
    ]


class PrintStatementsMenuItem(MenuItem):
    def is_shown(self, request):
        return may_print_statements(request.user)


@hooks.register("register_billing_menu_item")
def register_batch_menu_item():
    return PrintStatementsMenuItem(
        _("Print statements"),
        reverse("billing_batch_index"),
        name="print-statements",
        icon_name="doc-full",
        order=200,
    )
