import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import PortalForm
from snippets.models import CustomField, ReferralSource

from .models import EmailType, Gender, PhoneType, Relationship

YES_NO = [(True, _("Yes")), (False, _("No"))]


class AgeAcknowledgementForm(PortalForm):
    adult = forms.BooleanField(
        label=_(
            "I am 18 or older and may act as a guardian of the students I add, "
            "under the privacy policy and terms of use."
        ),
        error_messages={"required": _("Confirm that you are 18 or older.")},
    )


class RegisterEmailForm(AgeAcknowledgementForm):
    email = forms.EmailField(
        label=_("Login email"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    field_order = ["email", "adult"]


class GuardianNameForm(PortalForm):
    first_name = forms.CharField(
        label=_("First name"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    relationship = forms.ChoiceField(
        label=_("Relationship to the students"),
        choices=Relationship.choices,
        widget=forms.RadioSelect,
    )


class ContactForm(PortalForm):
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    email_type = forms.ChoiceField(label=_("Email type"), choices=EmailType.choices)
    subscribed = forms.TypedChoiceField(
        label=_("Emails about your students' classes"),
        choices=[
            (
                "yes",
                _(
                    "Yes, send me emergency and informational emails about my "
                    "students' classes and events."
                ),
            ),
            (
                "no",
                _("No, only send enrollment confirmations, receipts and statements."),
            ),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    phone_type = forms.ChoiceField(label=_("Phone type"), choices=PhoneType.choices)
    sms_opt_in = forms.BooleanField(
        label=_("Text messages to this number"), required=False
    )
    phone2 = forms.CharField(
        label=_("Another phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    phone2_type = forms.ChoiceField(
        label=_("Phone type"), choices=PhoneType.choices, required=False
    )
    sms2_opt_in = forms.BooleanField(
        label=_("Text messages to this number"), required=False
    )

    def __init__(self, *args, locked_email=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.locked_email = locked_email
        if locked_email:
            self.fields["email"].disabled = True
            self.fields["email"].initial = locked_email
            self.fields["email"].help_text = _("Your login email, already confirmed.")

    def clean_phone(self):
        return _clean_phone(self.cleaned_data["phone"])

    def clean_phone2(self):
        value = self.cleaned_data.get("phone2", "")
        return _clean_phone(value) if value else ""

    def phones(self):
        data = self.cleaned_data
        phones = [
            {
                "number": data["phone"],
                "phone_type": data["phone_type"],
                "sms_opt_in": data["sms_opt_in"],
            }
        ]
        if data.get("phone2"):
            phones.append(
                {
                    "number": data["phone2"],
                    "phone_type": data.get("phone2_type") or PhoneType.MOBILE,
                    "sms_opt_in": data["sms2_opt_in"],
                }
            )
        return phones


def _clean_phone(value):
    digits = [c for c in value if c.isdigit()]
    if len(digits) < 7 or len(digits) > 15:
        raise forms.ValidationError(_("Enter a phone number with 7 to 15 digits."))
    allowed = set("0123456789 +-().")
    if any(c not in allowed for c in value):
        raise forms.ValidationError(
            _("Use digits, spaces and + - ( ) . only in a phone number.")
        )
    return value.strip()


class AddressForm(PortalForm):
    line1 = forms.CharField(
        label=_("Address"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    line2 = forms.CharField(
        label=_("Address line 2"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = forms.CharField(
        label=_("City"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    region = forms.CharField(
        label=_("State / region"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level1"}),
    )
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    country = forms.CharField(
        label=_("Country"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "country-name"}),
    )

    def address(self):
        return {k: self.cleaned_data[k] for k in AddressForm.base_fields}


class AddressReferralForm(AddressForm):
    referral_source = forms.ModelChoiceField(
        label=_("How did you hear about us?"),
        queryset=ReferralSource.objects.none(),
        required=False,
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referral_source"].queryset = ReferralSource.objects.filter(
            organization=organization, is_active=True
        )


def custom_fields_for(organization, applies_to):
    return list(
        CustomField.objects.filter(
            organization=organization,
            applies_to=applies_to,
            visible_to_customers=True,
        )
    )


class CustomFieldsForm(PortalForm):
    """The questions staff defined, built from CustomField snippets."""

    def __init__(self, *args, fields, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = fields
        for field in fields:
            label = field.label + (" *" if field.required else "")
            kind = field.field_type
            if kind == CustomField.FieldType.CHOICE:
                form_field = forms.ChoiceField(
                    label=label,
                    required=field.required,
                    choices=[("", "---------")] + [(c, c) for c in field.choice_list],
                )
            elif kind == CustomField.FieldType.YES_NO:
                form_field = forms.TypedChoiceField(
                    label=label,
                    required=field.required,
                    choices=[("", "---------"), ("yes", _("Yes")), ("no", _("No"))],
                )
            elif kind == CustomField.FieldType.DATE:
                form_field = forms.DateField(
                    label=label,
                    required=field.required,
                    widget=forms.DateInput(attrs={"type": "date"}),
                )
            else:
                form_field = forms.CharField(
                    label=label, required=field.required, max_length=500
                )
            self.fields[f"custom_{field.pk}"] = form_field


class StudentForm(PortalForm):
    first_name = forms.CharField(label=_("First name"), max_length=80)
    last_name = forms.CharField(label=_("Last name"), max_length=80)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=[("", _("Prefer not to say"))] + list(Gender.choices),
        required=False,
    )
    has_allergies = forms.TypedChoiceField(
        label=_("Allergies / Special Health Conditions"),
        choices=[("no", _("No")), ("yes", _("Yes"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="no",
    )
    allergy_details = forms.CharField(
        label=_("Details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, gender_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        if gender_required:
            self.fields["gender"].required = True
            self.fields["gender"].choices = [("", "---------")] + list(Gender.choices)
            self.fields["gender"].label = _("Gender *")

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value > datetime.date.today():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if value.year < 1900:
            raise forms.ValidationError(_("Check the year of birth."))
        return value

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("has_allergies")
            and not (cleaned.get("allergy_details") or "").strip()
        ):
            self.add_error(
                "allergy_details",
                _("Describe the allergies or health conditions."),
            )
        return cleaned


class StudentAddForm(StudentForm):
    """Add Student: a one-time token makes a double submit add one student."""

    form_token = forms.CharField(widget=forms.HiddenInput, required=False)
