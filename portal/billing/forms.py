"""Forms of the sandbox gateway's entry page and of My Account > Payments.

The entry forms are the gateway's own page: the numbers typed there are
checked and turned into a token, and are never rendered back (a form shown
again with an error has these fields empty)."""

import datetime
import re
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .gateways import sandbox


class NoEchoInput(forms.TextInput):
    """A text field whose value is never written back into the page."""

    def format_value(self, value):
        return None


def _numeric(autocomplete, **attrs):
    return NoEchoInput(
        attrs={"inputmode": "numeric", "autocomplete": autocomplete, **attrs}
    )


EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")


class SandboxCardForm(forms.Form):
    number = forms.CharField(
        label=_("Card number"),
        max_length=30,
        widget=_numeric("cc-number"),
    )
    expiry = forms.CharField(
        label=_("Expiry (MM/YY)"),
        max_length=7,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "cc-exp"}
        ),
    )
    cvc = forms.CharField(
        label=_("Security code (CVC)"), max_length=4, widget=_numeric("cc-csc")
    )

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean_number(self):
        number = sandbox.digits_only(self.cleaned_data["number"])
        if not number.isdigit() or not 13 <= len(number) <= 19:
            raise forms.ValidationError(_("Enter the 13 to 19 digits of the card."))
        if not sandbox.luhn_valid(number):
            raise forms.ValidationError(
                _("This card number is not valid. Check the digits.")
            )
        if number not in sandbox.TEST_CARDS:
            raise forms.ValidationError(
                _("This is a test gateway: use one of the test card numbers.")
            )
        return number

    def clean_expiry(self):
        match = EXPIRY.match(self.cleaned_data["expiry"])
        if not match or not 1 <= int(match[1]) <= 12:
            raise forms.ValidationError(_("Enter the expiry as MM/YY, e.g. 08/29."))
        month, year = int(match[1]), int(match[2])
        if year < 100:
            year += 2000
        if (year, month) < (self.today.year, self.today.month):
            raise forms.ValidationError(_("This card has expired."))
        if year > 2099:
            raise forms.ValidationError(_("Enter the expiry as MM/YY, e.g. 08/29."))
        return datetime.date(year, month, 1)

    def clean_cvc(self):
        cvc = self.cleaned_data["cvc"].strip()
        if not re.fullmatch(r"\d{3}", cvc):
            raise forms.ValidationError(
                _("Enter the 3-digit security code from the back of the card.")
            )
        return cvc

    def token_fields(self):
        number = self.cleaned_data["number"]
        expiry = self.cleaned_data["expiry"]
        return {
            "kind": "card",
            "outcome": sandbox.TEST_CARDS[number],
            "brand": sandbox.card_brand(number),
            "last4": number[-4:],
            "exp_month": expiry.month,
            "exp_year": expiry.year,
        }


class SandboxBankForm(forms.Form):
    routing = forms.CharField(
        label=_("Routing number"), max_length=12, widget=_numeric("off")
    )
    account = forms.CharField(
        label=_("Account number"), max_length=20, widget=_numeric("off")
    )

    def clean_routing(self):
        routing = sandbox.digits_only(self.cleaned_data["routing"])
        if not sandbox.routing_valid(routing):
            raise forms.ValidationError(
                _("Enter the 9-digit routing number printed on your checks.")
            )
        if routing != sandbox.TEST_ROUTING:
            raise forms.ValidationError(
                _("This is a test gateway: use the test routing number.")
            )
        return routing

    def clean_account(self):
        account = sandbox.digits_only(self.cleaned_data["account"])
        if not account.isdigit() or not 4 <= len(account) <= 17:
            raise forms.ValidationError(_("Enter the 4 to 17 digits of the account."))
        if account not in sandbox.TEST_ACCOUNTS:
            raise forms.ValidationError(
                _("This is a test gateway: use one of the test account numbers.")
            )
        return account

    def token_fields(self):
        account = self.cleaned_data["account"]
        return {
            "kind": "bank",
            "outcome": sandbox.TEST_ACCOUNTS[account],
            "brand": sandbox.BANK_NAME,
            "last4": account[-4:],
        }


class MethodAddForm(forms.Form):
    """My Account > Payments: save what was entered in the gateway's page."""

    gateway_token = forms.CharField(
        required=False, max_length=200, widget=forms.HiddenInput
    )
    make_default = forms.BooleanField(
        label=_("Make this my default payment method"), required=False
    )
    recurring_authorized = forms.BooleanField(
        label=_("This payment method is authorized for recurring billing"),
        required=False,
    )


# My Account > Payments: Make Payment and Apply Credit ------------------------

PAY_MESSAGES = {
    "charges": _("Choose at least one charge."),
    "charge_paid": _("A charge you chose is already paid. Choose from the list."),
    "amount": _("Enter an amount such as 25.00."),
    "amount_positive": _("Enter an amount above zero."),
    "amount_cents": _("Enter the amount with at most two decimal places."),
    "amount_too_much": _(
        "That is more than the charges you chose (%(total)s). Enter at most "
        "that amount, or leave it empty to pay them in full."
    ),
    "method": _("Choose a saved payment method or enter a new one."),
}


class ChargeChoiceForm(forms.Form):
    """Which of the family's open charges (`charges`: read with their open
    amounts) a request is for, and the key made when the form was shown."""

    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    charge = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={
            "required": PAY_MESSAGES["charges"],
            "invalid_choice": PAY_MESSAGES["charge_paid"],
        },
    )

    def __init__(self, *args, charges=(), **kwargs):
        kwargs.setdefault("auto_id", f"{self.prefix_id}_%s")
        super().__init__(*args, **kwargs)
        self.open_charges = list(charges)
        self.fields["charge"].choices = [
            (row.pk, row.description) for row in self.open_charges
        ]

    prefix_id = "charges"

    @property
    def chosen(self):
        """The chosen charges, in the order the page listed them."""
        wanted = set(self.cleaned_data.get("charge") or ())
        return [row for row in self.open_charges if row.pk in wanted]

    @property
    def chosen_total(self) -> Decimal:
        from .money import round_money

        return sum(
            (round_money(row.open_amount) for row in self.chosen), Decimal("0.00")
        )


class MakePaymentForm(ChargeChoiceForm):
    prefix_id = "pay"

    amount = forms.DecimalField(
        label=_("Amount to pay"),
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text=_("Leave it empty to pay the chosen charges in full."),
        error_messages={
            "invalid": PAY_MESSAGES["amount"],
            "max_digits": PAY_MESSAGES["amount"],
            "max_decimal_places": PAY_MESSAGES["amount_cents"],
            "max_whole_digits": PAY_MESSAGES["amount"],
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    method = forms.CharField(required=False, max_length=20)
    gateway_token = forms.CharField(
        required=False, max_length=200, widget=forms.HiddenInput
    )
    save_method = forms.BooleanField(required=False)

    def __init__(self, *args, currency="USD", **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount <= 0:
            raise forms.ValidationError(PAY_MESSAGES["amount_positive"])
        return amount

    def clean(self):
        from portal.formatting import format_money

        data = super().clean()
        if "charge" in self.errors or "amount" in self.errors:
            return data
        total = self.chosen_total
        amount = data.get("amount")
        if amount is None:
            data["amount"] = total
        elif amount > total:
            self.add_error(
                "amount",
                PAY_MESSAGES["amount_too_much"]
                % {"total": format_money(total, self.currency)},
            )
        method = data.get("method") or ""
        if method not in ("", "new") and not method.isdigit():
            self.add_error("method", PAY_MESSAGES["method"])
        elif method in ("", "new") and not data.get("gateway_token"):
            self.add_error("method", PAY_MESSAGES["method"])
        return data

    @property
    def method_id(self) -> int | None:
        value = self.cleaned_data.get("method") or ""
        return int(value) if value.isdigit() else None


class ApplyCreditForm(ChargeChoiceForm):
    prefix_id = "credit"
