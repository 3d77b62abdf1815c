"""Forms of Account Information: guardians and their emails, phones, addresses."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import PortalForm

from .forms import AddressForm, ContactForm, _clean_phone
from .models import EmailType, InviteStatus, PhoneType, Relationship

# Field lengths follow the model columns, so a value the form accepts is one
# the model's full_clean() accepts too.
EMAIL_MAX_LENGTH = 254


class GuardianForm(PortalForm):
    """Name and relationship; used to edit any guardian."""

    first_name = forms.CharField(label=_("First name"), max_length=80)
    last_name = forms.CharField(label=_("Last name"), max_length=80)
    relationship = forms.ChoiceField(
        label=_("Relationship to the students"),
        choices=[("", _("Choose one"))] + list(Relationship.choices),
    )

    def __init__(self, *args, own=False, **kwargs):
        super().__init__(*args, **kwargs)
        # Browsers may fill in the user's own name, never someone else's.
        first, last = ("given-name", "family-name") if own else ("off", "off")
        self.fields["first_name"].widget.attrs["autocomplete"] = first
        self.fields["last_name"].widget.attrs["autocomplete"] = last


class GuardianAddForm(GuardianForm):
    """A new guardian, optionally with a first email and phone."""

    may_make_payments = forms.BooleanField(
        label=_("May make payments for this family"), required=False
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=EMAIL_MAX_LENGTH,
        required=False,
        help_text=_("Needed to invite this guardian to log in."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    email_type = forms.ChoiceField(
        label=_("Email type"),
        choices=EmailType.choices,
        initial=EmailType.HOME,
        required=False,
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    phone_type = forms.ChoiceField(
        label=_("Phone type"),
        choices=PhoneType.choices,
        initial=PhoneType.MOBILE,
        required=False,
    )
    sms_opt_in = forms.BooleanField(
        label=_("Text messages to this number"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, own=False, **kwargs)

    def clean_phone(self):
        value = self.cleaned_data.get("phone", "").strip()
        return _clean_phone(value) if value else ""

    def guardian_data(self):
        return {
            key: self.cleaned_data[key]
            for key in ("first_name", "last_name", "relationship", "may_make_payments")
        }

    def email_data(self):
        if not self.cleaned_data.get("email"):
            return None
        return {
            "email": self.cleaned_data["email"].strip(),
            "email_type": self.cleaned_data["email_type"] or EmailType.HOME,
            "subscribed": True,
        }

    def phone_data(self):
        if not self.cleaned_data.get("phone"):
            return None
        return {
            "number": self.cleaned_data["phone"],
            "phone_type": self.cleaned_data["phone_type"] or PhoneType.MOBILE,
            "sms_opt_in": self.cleaned_data["sms_opt_in"],
        }


class EmailForm(PortalForm):
    email = forms.EmailField(
        label=_("Email"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    email_type = ContactForm.base_fields["email_type"]
    subscribed = ContactForm.base_fields["subscribed"]

    def __init__(self, *args, login_email=False, **kwargs):
        super().__init__(*args, **kwargs)
        if login_email:
            # The login email is changed under Login / Security, not here.
            self.fields["email"].disabled = True
            self.fields["email"].help_text = _(
                "This email is used to log in, so it cannot be changed here."
            )

    @staticmethod
    def initial_for(contact):
        return {
            "email": contact.email,
            "email_type": contact.email_type,
            "subscribed": "yes" if contact.subscribed else "no",
        }

    def contact_data(self):
        data = dict(self.cleaned_data)
        if self.fields["email"].disabled:
            data.pop("email")
        else:
            data["email"] = data["email"].strip()
        return data


class PhoneForm(PortalForm):
    number = forms.CharField(
        label=_("Phone number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    phone_type = ContactForm.base_fields["phone_type"]
    sms_opt_in = forms.BooleanField(
        label=_("Text messages to this number"), required=False
    )

    def clean_number(self):
        return _clean_phone(self.cleaned_data["number"])

    @staticmethod
    def initial_for(contact):
        return {
            "number": contact.number,
            "phone_type": contact.phone_type,
            "sms_opt_in": contact.sms_opt_in,
        }

    def contact_data(self):
        return dict(self.cleaned_data)


class ContactAddressForm(AddressForm):
    @staticmethod
    def initial_for(contact):
        return {name: getattr(contact, name) for name in AddressForm.base_fields}

    def contact_data(self):
        return self.address()


CONTACT_FORMS = {
    "email": EmailForm,
    "phone": PhoneForm,
    "address": ContactAddressForm,
}

UNASSIGNED = "unassigned"


class ReassignForm(PortalForm):
    """Move one contact detail to another guardian or to Unassigned."""

    target = forms.ChoiceField(label=_("Move to"), widget=forms.RadioSelect)

    def __init__(self, *args, contact, guardians, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = {
            str(g.pk): g
            for g in guardians
            if g.pk != contact.guardian_id
            and (g.pk == actor.pk or g.invite_status != InviteStatus.ACCEPTED)
        }
        choices = [(key, g.full_name) for key, g in self.targets.items()]
        if contact.guardian_id is not None:
            choices.append((UNASSIGNED, _("Unassigned")))
        self.fields["target"].choices = choices

    def guardian(self):
        """The chosen guardian, or None for the Unassigned column."""
        return self.targets.get(self.cleaned_data["target"])


class PaymentsForm(PortalForm):
    allowed = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
    )
