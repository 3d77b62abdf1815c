"""Forms of My Account > Statements: which ledger range and which year.

Each form carries the idempotency key made when the page was rendered, so a
double submit issues one statement."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _


def new_key() -> str:
    return uuid.uuid4().hex


class IssueForm(forms.Form):
    idempotency_key = forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        error_messages={
            "required": _("This form has expired. Reload the page and try again.")
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", new_key())
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class LedgerRangeForm(IssueForm):
    """Only shown when the organization lets families choose the range."""

    period_start = forms.DateField(
        label=_("From"),
        widget=DateInput(),
        error_messages={"required": _("Enter the first day.")},
    )
    period_end = forms.DateField(
        label=_("To"),
        widget=DateInput(),
        error_messages={"required": _("Enter the last day.")},
    )

    field_order = ["period_start", "period_end"]


class YearForm(IssueForm):
    year = forms.TypedChoiceField(
        label=_("Year"),
        coerce=int,
        error_messages={
            "required": _("Choose a year."),
            "invalid_choice": _("Choose one of the years listed."),
        },
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]
