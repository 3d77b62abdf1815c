from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm
from wagtail.admin.forms.auth import PasswordResetForm as WagtailPasswordResetForm

from portal.forms import PortalForm

from . import throttle
from .errors import MESSAGES
from .selectors import is_staff_login


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


class StaffLoginForm(WagtailLoginForm):
    """The admin's log in form (WAGTAILADMIN_USER_LOGIN_FORM): staff only.

    A parent's correct password gets the very answer a wrong one gets, counts
    as a failed attempt and starts no session. A throttled attempt says so.
    """

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if throttle.locked_out(self.request):
                raise forms.ValidationError(
                    MESSAGES["throttled"], code="throttled"
                ) from None
            raise

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not is_staff_login(user):
            throttle.login_refused(self.request, self.cleaned_data.get("username"))
            raise self.get_invalid_login_error()


class StaffPasswordResetForm(WagtailPasswordResetForm):
    """The admin's "forgotten password" form (WAGTAILADMIN_USER_PASSWORD_RESET_FORM).

    The request only queues the work: finding the login and sending the link
    happen in the background worker, so a known and an unknown email answer
    alike and no request waits for a mail server. Only staff logins get a
    link; parents reset their password in the portal.
    """

    def get_users(self, email):
        return [user for user in super().get_users(email) if is_staff_login(user)]

    def save(self, *, request=None, use_https=False, **options):
        from .tasks import send_admin_password_reset

        send_admin_password_reset.enqueue(
            email=self.cleaned_data["email"],
            domain=request.get_host() if request is not None else "",
            use_https=use_https,
            subject_template_name=options["subject_template_name"],
            email_template_name=options["email_template_name"],
            html_email_template_name=options.get("html_email_template_name"),
        )

    def send_now(self, **options):
        """What the worker runs: Django's own search and e-mail."""
        super().save(**options)
