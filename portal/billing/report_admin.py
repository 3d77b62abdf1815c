"""Billing reports in the admin, each with a CSV download: aging by family,
and payments by day and method.

The managers and front desk of an organization (and superusers) see its
reports; marketing staff are refused, and another organization cannot be
chosen. Figures come from billing.reports in a fixed number of queries.
"""

from __future__ import annotations

import csv
from decimal import Decimal

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks

from portal.formatting import zone_of
from portal.tenancy.models import Location

from .money import round_money
from .reports import (
    AGING_BUCKETS,
    aging_by_family,
    aging_totals,
    payments_by_day,
    payments_totals,
)
from .tuition_admin import (
    BillingMenuItem,
    BillingStaffMixin,
    OrganizationChoiceForm,
    billing_organizations,
)

MAX_DAYS = 366
PAGE_SIZE = 50


def _zone_of(organization, location):
    """The time zone the report's days are in: the location's, else the
    organization's primary location's."""
    if location is None:
        location = (
            Location.objects.filter(organization=organization)
            .order_by("-is_primary", "sort_order", "pk")
            .only("time_zone")
            .first()
        )
    return (location.time_zone if location else "") or "UTC"


def _cell(value):
    """A CSV cell: money to cents, and no text a spreadsheet would run as a
    formula."""
    if isinstance(value, Decimal):
        return str(round_money(value))
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(filename, header, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return response


class ReportView(BillingStaffMixin, TemplateView):
    form_class = OrganizationChoiceForm

    def get_form(self):
        data = self.request.GET.copy()
        form = self.form_class(data=data, user=self.request.user)
        if form.single is None and not data.get("organization"):
            first = billing_organizations(self.request.user).first()
            if first is not None:
                data["organization"] = str(first.pk)
        self.fill_defaults(data)
        return self.form_class(data=data, user=self.request.user)

    def fill_defaults(self, data):
        pass

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        if request.GET.get("format") == "csv":
            return self.csv(data)
        return self.render_to_response(
            self.get_context_data(form=form, **self.figures(data))
        )

    def csv_url(self):
        query = self.request.GET.copy()
        query.pop("p", None)
        query["format"] = "csv"
        return f"{self.request.path}?{query.urlencode()}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(csv_url=self.csv_url(), **kwargs)


class AgingReportView(ReportView):
    template_name = "portal/billing/admin/report_aging.html"

    def as_of(self, data):
        zone = _zone_of(data["organization"], data["location"])
        return timezone.localdate(timezone.now(), timezone=zone_of(zone))

    def figures(self, data):
        organization = data["organization"]
        as_of = self.as_of(data)
        rows = aging_by_family(
            organization=organization,
            as_of=as_of,
            location=data["location"],
            zone=_zone_of(organization, data["location"]),
        )
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("p"))
        return {
            "organization": organization,
            "location": data["location"],
            "as_of": as_of,
            "buckets": AGING_BUCKETS,
            "page": page,
            "rows": page.object_list,
            "totals": aging_totals(rows),
        }

    def csv(self, data):
        organization = data["organization"]
        as_of = self.as_of(data)
        rows = aging_by_family(
            organization=organization,
            as_of=as_of,
            location=data["location"],
            zone=_zone_of(organization, data["location"]),
        )
        header = [
            gettext("Family"),
            *[str(label) for _key, label in AGING_BUCKETS],
            gettext("Total"),
        ]
        return csv_response(
            f"aging-{organization.slug}-{as_of:%Y-%m-%d}.csv",
            header,
            ([row.name, *row.amounts, row.total] for row in rows),
        )


class PaymentsReportForm(OrganizationChoiceForm):
    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end is before the start."))
            elif (end - start).days >= MAX_DAYS:
                self.add_error(
                    "end",
                    _("Choose at most %(days)s days at a time.") % {"days": MAX_DAYS},
                )
        return cleaned


class PaymentsReportView(ReportView):
    template_name = "portal/billing/admin/report_payments.html"
    form_class = PaymentsReportForm

    def fill_defaults(self, data):
        # The first visit shows this month so far (server's date; the form
        # says which days).
        if not data.get("start") and not data.get("end") and "format" not in data:
            today = timezone.localdate()
            data["start"] = today.replace(day=1).isoformat()
            data["end"] = today.isoformat()

    def rows(self, data):
        return payments_by_day(
            organization=data["organization"],
            start=data["start"],
            end=data["end"],
            zone=_zone_of(data["organization"], data["location"]),
            location=data["location"],
        )

    def figures(self, data):
        rows = self.rows(data)
        return {
            "organization": data["organization"],
            "location": data["location"],
            "start": data["start"],
            "end": data["end"],
            "rows": rows,
            "totals": payments_totals(rows),
        }

    def csv(self, data):
        organization = data["organization"]
        header = [
            gettext("Date"),
            gettext("Method"),
            gettext("Payments"),
            gettext("Amount"),
        ]
        return csv_response(
            f"payments-{organization.slug}-{data['start']:%Y-%m-%d}"
            f"-{data['end']:%Y-%m-%d}.csv",
            header,
            (
                [row.day.isoformat(), row.method_label, row.count, row.amount]
                for row in self.rows(data)
            ),
        )


@hooks.register("register_admin_urls")
def register_report_urls():
    return [
        path(
            "billing/reports/aging/",
            AgingReportView.as_view(),
            name="billing_report_aging",
        ),
        path(
            "billing/reports/payments/",
            PaymentsReportView.as_view(),
            name="billing_report_payments",
        ),
    ]


@hooks.register("register_billing_menu_item")
def register_aging_menu_item():
    return BillingMenuItem(
        _("Aging by family"),
        reverse("billing_report_aging"),
        name="aging-report",
        icon_name="table",
        order=300,
    )


@hooks.register("register_billing_menu_item")
def register_payments_menu_item():
    return BillingMenuItem(
        _("Payments by day"),
        reverse("billing_report_payments"),
        name="payments-report",
        icon_name="table",
        order=310,
    )
