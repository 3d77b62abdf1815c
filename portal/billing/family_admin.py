"""The front desk's family record in the admin, and its money actions.

/admin/billing/families/<id>/ shows what the desk needs in one place:
guardians and their contact data, students (allergies first), enrollments,
policy answers, balance and credit, the ledger (newest first, a page at a
time) and the statements issued. From there the desk posts a charge, records
a payment, refunds a payment, gives credit, posts an adjustment or reverses
an entry: each a form with a reason and a hidden idempotency key made when
the form is shown, each calling one service of billing/staff.py.

Only staff whose role may change families in the family's organization (front
desk, managers) reach these pages: a role without it anywhere is refused
(403), another organization's family is not found (404). The families
listing links each row to its record (portal/families/wagtail_hooks.py).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView, View
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.widgets.button import ListingButton

from portal.accounts.emails import site_url
from portal.enrollments.models import Enrollment
from portal.families.models import (
    ContactAddress,
    ContactEmail,
    ContactPhone,
    Family,
    Guardian,
    PolicyAnswer,
    Student,
)
from portal.formatting import format_money
from portal.tenancy.models import Location
from portal.tenancy.roles import organizations_allowing

from . import staff
from .errors import BillingError
from .models import (
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Statement,
)
from .money import round_money
from .selectors import family_totals
from .statements import statement_filename, statement_pdf

LEDGER_PAGE_SIZE = 50
STATEMENTS_SHOWN = 25

# Who may -----------------------------------------------------------------------


def record_organization_ids(user):
    """Ids of the organizations whose family records the user may open and
    act on (their role may change families there); None: every one."""
    return organizations_allowing(user, Family, ("change",))


def may_open_record(user, family) -> bool:
    allowed = record_organization_ids(user)
    return allowed is None or family.organization_id in allowed


def family_for_staff(user, family_id):
    """The family, if the user may open its record: 403 for a role that may
    open none, 404 for a family they may not open."""
    allowed = record_organization_ids(user)
    if allowed is not None and not allowed:
        raise PermissionDenied
    families = Family.objects.select_related("organization", "referral_source")
    if allowed is not None:
        families = families.filter(organization_id__in=allowed)
    family = families.filter(pk=family_id).first()
    if family is None:
        raise Http404
    return family


# Reads ---------------------------------------------------------------------------


def _reversed():
    return Exists(LedgerEntry.objects.filter(reverses=OuterRef("pk")))


def ledger_for_record(*, family):
    """The family's ledger, newest first, with who posted each entry and
    whether it was reversed."""
    return (
        LedgerEntry.objects.filter(
            organization_id=family.organization_id, family=family
        )
        .select_related("student", "location", "payment__created_by", "created_by")
        .annotate(is_reversed=_reversed())
        .order_by("-posted_at", "-pk")
    )


def guardians_with_contacts(*, family):
    """The family's guardians, each with .emails, .phones and .addresses; and
    the contact data that belongs to no guardian. Four queries."""
    guardians = list(
        Guardian.objects.filter(
            organization_id=family.organization_id, family=family
        ).select_related("user")
    )
    by_id = {guardian.pk: guardian for guardian in guardians}
    for guardian in guardians:
        guardian.emails, guardian.phones, guardian.addresses = [], [], []
    unassigned = {"emails": [], "phones": [], "addresses": []}
    for model, name in (
        (ContactEmail, "emails"),
        (ContactPhone, "phones"),
        (ContactAddress, "addresses"),
    ):
        for row in model.objects.filter(
            organization_id=family.organization_id, family=family
        ).order_by("pk"):
            owner = by_id.get(row.guardian_id)
            if owner is None:
                unassigned[name].append(row)
            else:
                getattr(owner, name).append(row)
    return guardians, unassigned


def record_context(*, family, page_number=1):
    """Everything the record shows, in a fixed number of queries."""
    organization = family.organization
    owed, credit = family_totals(family=family)
    guardians, unassigned = guardians_with_contacts(family=family)
    students = list(
        Student.objects.filter(organization_id=organization.pk, family=family).order_by(
            "-has_allergies", "first_name", "pk"
        )
    )
    enrollments = list(
        Enrollment.objects.filter(
            organization_id=organization.pk, student__family=family
        )
        .select_related("student", "klass", "event", "party_slot__location")
        .order_by("status", "-created_at", "-pk")
    )
    answers = list(
        PolicyAnswer.objects.filter(organization_id=organization.pk, family=family)
        .select_related("student", "answered_by")
        .order_by("-answered_at", "-pk")
    )
    statements = list(
        Statement.objects.filter(organization_id=organization.pk, family=family)
        .select_related("location", "issued_by")
        .order_by("-issued_at", "-pk")[:STATEMENTS_SHOWN]
    )
    ledger = Paginator(ledger_for_record(family=family), LEDGER_PAGE_SIZE)
    page = ledger.get_page(page_number)
    for entry in page.object_list:
        # Who posted it: the staff member, or who took the payment.
        entry.by = entry.created_by or (
            entry.payment.created_by if entry.payment is not None else None
        )
    return {
        "family": family,
        "organization": organization,
        "currency": organization.currency,
        "owed": owed,
        "credit": credit,
        "guardians": guardians,
        "unassigned": unassigned,
        "students": students,
        "enrollments": enrollments,
        "answers": answers,
        "statements": statements,
        "statements_shown": STATEMENTS_SHOWN,
        "ledger_page": page,
        "zone": timezone.get_current_timezone(),
    }


# Forms ---------------------------------------------------------------------------

AMOUNT_ERRORS = {
    "required": _("Enter an amount."),
    "invalid": _("Enter an amount such as 25.00."),
    "max_digits": _("Enter an amount of at most ten digits before the point."),
    "max_decimal_places": _("Enter an amount in whole cents."),
    "max_whole_digits": _("Enter an amount of at most ten digits before the point."),
}


def new_key() -> str:
    return uuid.uuid4().hex


def amount_field(label=None, positive=True, **kwargs):
    """A money field; with `positive`, zero and below are refused."""
    errors = dict(AMOUNT_ERRORS)
    if positive:
        kwargs["min_value"] = Decimal("0.01")
        errors["min_value"] = _("Enter an amount above zero.")
    return forms.DecimalField(
        label=label or _("Amount"),
        max_digits=12,
        decimal_places=2,
        error_messages=errors,
        **kwargs,
    )


def reason_field():
    return forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Why this is done; kept with the entry."),
        error_messages={"required": _("Say why this entry is made.")},
    )


class ActionForm(forms.Form):
    """Every money form: a hidden key made when the form is shown, so the
    same submission twice writes once."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)

    def __init__(self, *args, family, **kwargs):
        self.family = family
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", new_key())
        super().__init__(*args, **kwargs)
        organization_id = family.organization_id
        if "student" in self.fields:
            self.fields["student"].queryset = Student.objects.filter(
                organization_id=organization_id, family=family
            ).order_by("first_name", "pk")
        if "location" in self.fields:
            locations = Location.objects.filter(
                organization_id=organization_id, is_active=True
            ).order_by("-is_primary", "sort_order", "name")
            self.fields["location"].queryset = locations
            primary = next(iter(locations), None)
            if primary is not None:
                self.fields["location"].initial = primary.pk

    def renew_key(self):
        """After an outcome the gateway keeps under the key (a decline), the
        form sent again must try anew."""
        self.data = self.data.copy()
        self.data["idempotency_key"] = new_key()


class ChargeForm(ActionForm):
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        help_text=_("What the family sees on its statement."),
        error_messages={"required": _("Say what the charge is for.")},
    )
    amount = amount_field()
    student = forms.ModelChoiceField(
        label=_("Student"), queryset=Student.objects.none(), required=False
    )
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.none(), required=False
    )
    due_on = forms.DateField(
        label=_("Due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 2026-03-31.")},
    )
    reason = reason_field()


class PaymentForm(ActionForm):
    amount = amount_field()
    method = forms.ChoiceField(label=_("Paid by"))
    check_number = forms.CharField(
        label=_("Check number"), max_length=40, required=False
    )
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.none(), required=False
    )
    reason = reason_field()

    def __init__(self, *args, methods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.saved_methods = {str(method.pk): method for method in methods}
        choices = [(staff.CASH, _("Cash")), (staff.CHECK, _("Check"))]
        for method in methods:
            choices.append(
                (
                    f"method:{method.pk}",
                    gettext("%(method)s of %(guardian)s")
                    % {"method": str(method), "guardian": method.guardian.full_name},
                )
            )
        self.fields["method"].choices = choices
        self.fields["reason"].initial = gettext("Paid at the front desk")

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("method") == staff.CHECK
            and not (cleaned.get("check_number") or "").strip()
        ):
            self.add_error("check_number", staff.MESSAGES["check_number_required"])
        return cleaned

    @property
    def saved_method(self):
        value = self.cleaned_data.get("method", "")
        if value.startswith("method:"):
            return self.saved_methods.get(value.split(":", 1)[1])
        return None


class RefundForm(ActionForm):
    payment = forms.ModelChoiceField(
        queryset=Payment.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose the payment to refund from the ledger."),
            "invalid_choice": _("Choose the payment to refund from the ledger."),
        },
    )
    amount = amount_field(label=_("Amount to refund"))
    to = forms.ChoiceField(
        label=_("Refund"),
        widget=forms.RadioSelect,
        choices=[
            (staff.REFUND_TO_METHOD, _("To the card, bank account or hand it back")),
            (staff.REFUND_TO_CREDIT, _("As credit on the family's account")),
        ],
        initial=staff.REFUND_TO_METHOD,
    )
    reason = reason_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment"].queryset = Payment.objects.filter(
            organization_id=self.family.organization_id,
            family=self.family,
            status=PaymentStatus.CONFIRMED,
        )


class CreditForm(ActionForm):
    amount = amount_field()
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("What the family sees; “Credit” when left empty."),
    )
    apply = forms.BooleanField(
        label=_("Apply to open charges now"),
        required=False,
        help_text=_("Pays the oldest open charges; otherwise it waits as credit."),
    )
    reason = reason_field()


class AdjustmentForm(ActionForm):
    amount = amount_field(
        positive=False,
        help_text=_(
            "Positive: the family owes it like a charge. Negative: it counts "
            "like a credit."
        ),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("What the family sees; “Adjustment” when left empty."),
    )
    student = forms.ModelChoiceField(
        label=_("Student"), queryset=Student.objects.none(), required=False
    )
    reason = reason_field()

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(_("An adjustment cannot be zero."))
        return amount


class ReverseForm(ActionForm):
    entry = forms.ModelChoiceField(
        queryset=LedgerEntry.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose the entry to reverse from the ledger."),
            "invalid_choice": _("Choose the entry to reverse from the ledger."),
        },
    )
    reason = reason_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = LedgerEntry.objects.filter(
            organization_id=self.family.organization_id, family=self.family
        )


# Views ---------------------------------------------------------------------------


class FamilyRecordMixin:
    """Loads the family of the URL for staff who may open its record."""

    def dispatch(self, request, *args, **kwargs):
        try:
            self.family = family_for_staff(request.user, kwargs["family_id"])
        except PermissionDenied:
            # Wagtail would answer a redirect to the dashboard: say it here.
            return TemplateResponse(
                request, "portal/billing/admin/family_forbidden.html", status=403
            )
        return super().dispatch(request, *args, **kwargs)

    @property
    def record_url(self):
        return reverse("billing_family_record", args=[self.family.pk])


class FamilyRecordView(FamilyRecordMixin, TemplateView):
    template_name = "portal/billing/admin/family_record.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            record_context(family=self.family, page_number=self.request.GET.get("page"))
        )
        return context


class FamilyActionView(FamilyRecordMixin, FormView):
    """One money action: the form, then one service; the error it raises is
    shown next to its field (or above the form) and nothing is saved."""

    template_name = "portal/billing/admin/family_action.html"
    title = ""
    intro = ""
    submit_label = _("Save")
    success_message = ""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "family": self.family}

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            entry = self.perform(form)
        except (staff.StaffMoneyError, BillingError) as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
            if getattr(error, "code", "") in ("refund_declined", "payment_declined"):
                form.renew_key()
            return self.form_invalid(form)
        messages.success(self.request, self.success(entry))
        return redirect(self.record_url)

    def success(self, entry):
        return gettext("%(what)s of %(amount)s posted.") % {
            "what": entry.get_kind_display(),
            "amount": format_money(
                abs(entry.amount), self.family.organization.currency
            ),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            family=self.family,
            title=self.title,
            intro=self.intro,
            submit_label=self.submit_label,
            record_url=self.record_url,
            currency=self.family.organization.currency,
            zone=timezone.get_current_timezone(),
        )
        return context


class ChargeView(FamilyActionView):
    form_class = ChargeForm
    title = _("Post a charge")
    submit_label = _("Post charge")

    def perform(self, form):
        data = form.cleaned_data
        return staff.staff_charge_post(
            family=self.family,
            amount=data["amount"],
            description=data["description"],
            reason=data["reason"],
            idempotency_key=data["idempotency_key"],
            by=self.request.user,
            location=data["location"],
            student=data["student"],
            due_on=data["due_on"],
        )


def _saved_methods(family):
    return list(
        PaymentMethod.objects.filter(
            organization_id=family.organization_id, guardian__family=family
        ).select_related("guardian")
    )


class PaymentView(FamilyActionView):
    form_class = PaymentForm
    title = _("Record a payment")
    intro = _(
        "Cash or a check taken at the desk, or a charge to a saved card or bank "
        "account. It pays the oldest open charges first; the rest stays as "
        "credit."
    )
    submit_label = _("Record payment")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "methods": _saved_methods(self.family)}

    def perform(self, form):
        data = form.cleaned_data
        common = {
            "family": self.family,
            "amount": data["amount"],
            "reason": data["reason"],
            "idempotency_key": data["idempotency_key"],
            "by": self.request.user,
            "location": data["location"],
        }
        saved = form.saved_method
        if saved is not None:
            return staff.staff_payment_take(
                payment_method=saved, base_url=site_url(self.request), **common
            )
        return staff.staff_payment_record(
            method=data["method"], check_number=data["check_number"], **common
        )


class RefundView(FamilyActionView):
    form_class = RefundForm
    title = _("Refund a payment")
    submit_label = _("Refund")

    @cached_property
    def payment(self):
        form_payment = self.request.POST.get("payment") or self.request.GET.get(
            "payment"
        )
        if not (form_payment or "").isdigit():
            return None
        return Payment.objects.filter(
            organization_id=self.family.organization_id,
            family=self.family,
            pk=int(form_payment),
        ).first()

    @cached_property
    def figures(self):
        """What the page says of the payment, and the amount it proposes:
        all the money that can go back now, else all that can be credited."""
        payment = self.payment
        if payment is None:
            return {}
        credit = family_totals(family=self.family)[1]
        to_method = staff.payment_refundable(payment=payment)
        to_credit = staff.payment_refundable(payment=payment, to=staff.REFUND_TO_CREDIT)
        return {
            "payment": payment,
            "refunded": staff.payment_refunded(payment=payment),
            "credited": staff.payment_credited(payment=payment),
            "refundable_to_method": round_money(min(to_method, credit)),
            "refundable_as_credit": round_money(to_credit),
            "credit": credit,
        }

    def get_initial(self):
        initial = super().get_initial()
        figures = self.figures
        if figures:
            initial["payment"] = figures["payment"].pk
            if figures["refundable_to_method"] > 0:
                initial["amount"] = figures["refundable_to_method"]
            elif figures["refundable_as_credit"] > 0:
                initial["amount"] = figures["refundable_as_credit"]
                initial["to"] = staff.REFUND_TO_CREDIT
        return initial

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **self.figures}

    def perform(self, form):
        data = form.cleaned_data
        return staff.payment_refund(
            payment=data["payment"],
            amount=data["amount"],
            to=data["to"],
            reason=data["reason"],
            idempotency_key=data["idempotency_key"],
            by=self.request.user,
            base_url=site_url(self.request),
        )

    def success(self, entry):
        if entry.kind == EntryKind.CREDIT:
            text = gettext("%(amount)s refunded as credit.")
        else:
            text = gettext("%(amount)s refunded.")
        return text % {
            "amount": format_money(entry.amount, self.family.organization.currency)
        }


class CreditView(FamilyActionView):
    form_class = CreditForm
    title = _("Give a credit")
    submit_label = _("Give credit")

    def perform(self, form):
        data = form.cleaned_data
        return staff.staff_credit_give(
            family=self.family,
            amount=data["amount"],
            reason=data["reason"],
            idempotency_key=data["idempotency_key"],
            by=self.request.user,
            apply=data["apply"],
            description=data["description"],
        )


class AdjustmentView(FamilyActionView):
    form_class = AdjustmentForm
    title = _("Post an adjustment")
    submit_label = _("Post adjustment")

    def perform(self, form):
        data = form.cleaned_data
        return staff.staff_adjustment_post(
            family=self.family,
            amount=data["amount"],
            reason=data["reason"],
            idempotency_key=data["idempotency_key"],
            by=self.request.user,
            description=data["description"],
            student=data["student"],
        )


class ReverseView(FamilyActionView):
    form_class = ReverseForm
    title = _("Reverse an entry")
    intro = _(
        "A reversing entry cancels the entry: what it paid is freed, what it "
        "charged is no longer owed. The entry itself stays in the ledger."
    )
    submit_label = _("Reverse entry")

    @cached_property
    def entry(self):
        value = self.request.POST.get("entry") or self.request.GET.get("entry")
        if not (value or "").isdigit():
            return None
        return (
            LedgerEntry.objects.filter(
                organization_id=self.family.organization_id,
                family=self.family,
                pk=int(value),
            )
            .select_related("payment", "student")
            .first()
        )

    def get_initial(self):
        initial = super().get_initial()
        if self.entry is not None:
            initial["entry"] = self.entry.pk
        return initial

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "entry": self.entry}

    def perform(self, form):
        data = form.cleaned_data
        return staff.staff_entry_reverse(
            family=self.family,
            entry=data["entry"],
            reason=data["reason"],
            idempotency_key=data["idempotency_key"],
            by=self.request.user,
        )

    def success(self, entry):
        return gettext("Entry reversed.")


class StatementReprintView(FamilyRecordMixin, View):
    """The PDF of an issued statement, as it was printed."""

    def get(self, request, family_id, statement_id):
        statement = (
            Statement.objects.filter(
                organization_id=self.family.organization_id,
                family=self.family,
                pk=statement_id,
            )
            .select_related("family", "location", "organization")
            .first()
        )
        if statement is None:
            raise Http404
        response = HttpResponse(
            statement_pdf(statement), content_type="application/pdf"
        )
        response["Content-Disposition"] = (
            f'inline; filename="{statement_filename(statement)}"'
        )
        return response


# Registration --------------------------------------------------------------------

ACTIONS = {
    "charge": ChargeView,
    "payment": PaymentView,
    "refund": RefundView,
    "credit": CreditView,
    "adjustment": AdjustmentView,
    "reverse": ReverseView,
}


@hooks.register("register_admin_urls")
def register_family_record_urls():
    urls = [
        path(
            "billing/families/<int:family_id>/",
            FamilyRecordView.as_view(),
            name="billing_family_record",
        ),
        path(
            "billing/families/<int:family_id>/statements/<int:statement_id>/",
            StatementReprintView.as_view(),
            name="billing_family_statement",
        ),
    ]
    for name, view in ACTIONS.items():
        urls.append(
            path(
                f"billing/families/<int:family_id>/{name}/",
                view.as_view(),
                name=f"billing_family_{name}",
            )
        )
    return urls


def record_button(user, instance):
    """The families (and students) listing's link to a row's family record,
    for staff who may open it; None otherwise."""
    family_id = instance.pk if isinstance(instance, Family) else instance.family_id
    if not may_open_record(user, instance):
        return None
    return ListingButton(
        _("Family record"),
        url=reverse("billing_family_record", args=[family_id]),
        icon_name="doc-full",
        attrs={
            "aria-label": gettext("Family record of %(name)s") % {"name": str(instance)}
        },
        priority=5,
    )
