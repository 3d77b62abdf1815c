from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from portal.forms import PortalForm


class LoginForm(PortalForm):
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class EmailForm(PortalForm):
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class CodeForm(PortalForm):
    code = forms.RegexField(
        label=_("Verification code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the 6 digits from the e-mail.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}
        ),
    )


class NewPasswordForm(PortalForm):
    """At least 10 characters, not a common password; no composition rules."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters. A short sentence works well."),
    )
    password2 = forms.CharField(
        label=_("Confirm password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password1(self):
        password = self.cleaned_data["password1"]
        password_validation.validate_password(password, self.user)
        return password

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("password1")
            and cleaned.get("password2") is not None
            and cleaned["password1"] != cleaned["password2"]
        ):
            self.add_error("password2", _("The two passwords are not the same."))
        return cleaned


class ResetForm(CodeForm, NewPasswordForm):
    pass


class ChangePasswordForm(NewPasswordForm):
    current = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["current", "password1", "password2"]

    def clean_current(self):
        current = self.cleaned_data["current"]
        if not self.user.check_password(current):
            raise forms.ValidationError(_("Your current password is not right."))
        return current
