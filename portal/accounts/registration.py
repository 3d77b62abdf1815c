"""Create Account: a wizard with one screen per step.

What has been typed is kept in the session (per organization) as the raw
form data of each step, so Back, reload and going forward again lose nothing.
The password is never kept: only its hash. Nothing is written to the
database until the last step calls family_register().
"""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _

from portal.families.forms import (
    AddressReferralForm,
    AgeAcknowledgementForm,
    ContactForm,
    CustomFieldsForm,
    GuardianNameForm,
    RegisterEmailForm,
    custom_fields_for,
)
from snippets.models import CustomField

from .forms import CodeForm, NewPasswordForm

SESSION_KEY = "portico_register_{org_id}"


@dataclass(frozen=True)
class Step:
    key: str
    title: str


STEPS = [
    Step("email", _("Your login email")),
    Step("code", _("Check your email")),
    Step("guardian", _("About you")),
    Step("contact", _("Where can we reach you?")),
    Step("password", _("Choose a password")),
    Step("address", _("Mailing address")),
    Step("custom", _("A few more questions")),
    Step("confirm", _("Almost done")),
]


class Registration:
    def __init__(self, request):
        self.request = request
        self.organization = request.organization
        self.settings = self.organization.portal_settings
        self.key = SESSION_KEY.format(org_id=self.organization.pk)
        self.state = request.session.get(self.key) or {
            "data": {},
            "done": [],
            "verified_email": None,
            "password_hash": None,
        }
        self._custom_fields = None

    # state -------------------------------------------------------------
    def save(self):
        self.request.session[self.key] = self.state
        self.request.session.modified = True

    def clear(self):
        self.request.session.pop(self.key, None)

    @property
    def existing_user(self):
        user = self.request.user
        return user if user.is_authenticated else None

    @property
    def custom_fields(self):
        if self._custom_fields is None:
            self._custom_fields = custom_fields_for(
                self.organization, CustomField.AppliesTo.FAMILY
            )
        return self._custom_fields

    @property
    def validates_email(self):
        return self.settings.require_email_validation and not self.existing_user

    @property
    def steps(self):
        keys = []
        for step in STEPS:
            if step.key in ("email", "code") and not self.validates_email:
                continue
            if step.key == "password" and self.existing_user:
                continue
            if step.key == "custom" and not self.custom_fields:
                continue
            keys.append(step)
        return keys

    def step(self, key):
        return next((s for s in self.steps if s.key == key), None)

    def index(self, key):
        return [s.key for s in self.steps].index(key)

    def first_open_step(self):
        for step in self.steps:
            if step.key not in self.state["done"]:
                return step
        return self.steps[-1]

    def reachable(self, key):
        step = self.step(key)
        if step is None:
            return False
        return self.index(key) <= self.index(self.first_open_step().key)

    def previous(self, key):
        i = self.index(key)
        return self.steps[i - 1] if i > 0 else None

    def next(self, key):
        i = self.index(key)
        return self.steps[i + 1] if i + 1 < len(self.steps) else None

    def data(self, key):
        return self.state["data"].get(key, {})

    def remember(self, key, post, *, done):
        raw = {
            k: v
            for k, v in post.items()
            if k not in ("csrfmiddlewaretoken", "back", "password1", "password2")
        }
        self.state["data"][key] = raw
        if done and key not in self.state["done"]:
            self.state["done"].append(key)
        elif not done and key in self.state["done"]:
            self.state["done"].remove(key)
        self.save()

    def reset_from(self, key):
        """A change of login email voids the code and later confirmation."""
        keep = self.state["done"][: self.state["done"].index(key) + 1]
        self.state["done"] = keep
        self.save()

    # forms ---------------------------------------------------------------
    @property
    def login_email(self):
        if self.existing_user:
            return self.existing_user.email
        return self.state["verified_email"]

    def form(self, key, data=None):
        initial = self.data(key)
        if key == "email":
            return RegisterEmailForm(data, initial=initial)
        if key == "code":
            return CodeForm(data)
        if key == "guardian":
            return GuardianNameForm(data, initial=initial)
        if key == "contact":
            return ContactForm(data, initial=initial, locked_email=self.login_email)
        if key == "password":
            return NewPasswordForm(data)
        if key == "address":
            return AddressReferralForm(
                data, initial=initial, organization=self.organization
            )
        if key == "custom":
            return CustomFieldsForm(data, initial=initial, fields=self.custom_fields)
        if key == "confirm":
            if self.validates_email or self.existing_user:
                return None
            return AgeAcknowledgementForm(data, initial=initial)
        raise KeyError(key)

    def set_password(self, password):
        self.state["password_hash"] = make_password(password)
        self.save()

    def cleaned(self, key):
        """Re-validate a finished step from what was stored."""
        form = self.form(key, self.data(key) or None)
        if form is None:
            return {}
        if not form.is_bound or not form.is_valid():
            return None
        return form

    def summary(self):
        guardian = self.cleaned("guardian")
        contact = self.cleaned("contact")
        address = self.cleaned("address")
        return {
            "guardian": guardian.cleaned_data if guardian else {},
            "relationship": (
                guardian.fields["relationship"].choices
                and dict(guardian.fields["relationship"].choices).get(
                    guardian.cleaned_data["relationship"]
                )
                if guardian
                else ""
            ),
            "contact": contact.cleaned_data if contact else {},
            "phones": contact.phones() if contact else [],
            "address": address.cleaned_data if address else {},
        }
