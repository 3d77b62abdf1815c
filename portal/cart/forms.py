"""Forms of the parent's cart screens: what is added, and checkout's choices.

They only parse and check the input against the choices the page offered
(the family's students, the camp's open days, the open party times); the
cart services decide the rest (eligibility, seats, prices)."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "student": _("Choose a student."),
    "day": _("Choose at least one day of the camp."),
    "unknown_day": _("Choose days of this camp from the list."),
    "slot": _("That party time is not open. Choose one of the open times."),
    "method": _("Choose a saved payment method or enter a new one."),
    "prices": _("Confirm the new prices to continue."),
    "policies": _("Accept every required policy to continue."),
}

WHOLE, DAYS = "whole", "days"


class AddForm(forms.Form):
    """Who is enrolled, and for a camp sold by the day which days; for a
    party which open time. `students`, `days` and `slots` are the choices
    the page showed."""

    student = forms.TypedChoiceField(
        coerce=int, error_messages={"required": MESSAGES["student"]}
    )
    camp = forms.ChoiceField(
        required=False,
        choices=[(WHOLE, _("The whole camp")), (DAYS, _("Chosen days"))],
    )
    day = forms.MultipleChoiceField(
        required=False, error_messages={"invalid_choice": MESSAGES["unknown_day"]}
    )
    slot = forms.TypedChoiceField(
        coerce=int,
        required=False,
        error_messages={"invalid_choice": MESSAGES["slot"]},
    )

    def __init__(self, *args, students=(), days=(), slots=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].choices = [(s.pk, s.full_name) for s in students]
        self.fields["student"].error_messages["invalid_choice"] = MESSAGES["student"]
        self.fields["day"].choices = [(d.isoformat(), d.isoformat()) for d in days]
        self.slots = slots
        if slots is not None:
            self.fields["slot"].required = True
            self.fields["slot"].error_messages["required"] = MESSAGES["slot"]
            self.fields["slot"].choices = [(slot.pk, str(slot.pk)) for slot in slots]

    def clean(self):
        data = super().clean()
        if (
            data.get("camp") == DAYS
            and not data.get("day")
            and "day" not in (self.errors)
        ):
            self.add_error("day", MESSAGES["day"])
        return data

    @property
    def chosen_days(self):
        """The chosen camp days as dates (empty for the whole camp)."""
        if self.cleaned_data.get("camp") != DAYS:
            return []
        return sorted(
            datetime.date.fromisoformat(day) for day in self.cleaned_data["day"]
        )


class GatewayTokenForm(forms.Form):
    """The one-time token the gateway's entry page hands back (by JavaScript,
    or in the address when the page was used without it)."""

    gateway_token = forms.CharField(
        required=False, max_length=200, widget=forms.HiddenInput
    )
