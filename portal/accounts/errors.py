from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "code_invalid": _("That code is not right. Check the latest e-mail and try again."),
    "code_expired": _("That code has expired. Ask for a new one."),
    "code_used_up": _("Too many tries with that code. Ask for a new one."),
    "login_failed": _("The email or password is not right."),
    "throttled": _(
        "Too many failed log in attempts. Please wait a few minutes and try "
        "again, or use Forgot Password."
    ),
    "codes_throttled": _(
        "Too many codes were asked for this email or from this network. Please "
        "wait up to an hour and try again."
    ),
    "guesses_throttled": _(
        "Too many wrong codes for this email or from this network. Please wait "
        "up to an hour and try again."
    ),
    "invite_password": _(
        "This email already has a login: enter the password it logs in with."
    ),
    "invite_invalid": _("This invitation link is no longer valid."),
    "email_taken": _(
        "This email cannot start a new family. If it is yours, Log In or use "
        "Forgot Password."
    ),
}


class AccountError(Exception):
    def __init__(self, code, field=None):
        self.code = code
        self.field = field
        self.message = MESSAGES[code]
        super().__init__(str(self.message))
