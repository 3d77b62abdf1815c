from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "email_taken": _(
        "This email cannot start a new family. If it is yours, Log In or use "
        "Forgot Password."
    ),
    "gender_required": _("Choose the student's gender."),
    "allergy_details": _("Describe the allergies or health conditions."),
    "birth_in_future": _("The date of birth cannot be in the future."),
    "not_primary": _("Only the primary guardian can do that."),
    "guardian_has_login": _(
        "This guardian manages their own contact details since accepting the "
        "invitation."
    ),
    "invite_no_email": _("Add an email address for this guardian first."),
    "invite_email_used": _("That email is already a guardian of this family."),
    "invite_invalid": _("This invitation link is no longer valid."),
    "primary_cannot_delete": _("The primary guardian cannot be removed."),
    "policy_required": _("Accept every required policy to continue."),
    "login_email_locked": _(
        "This is the guardian's login email: it cannot be removed or moved here."
    ),
    "no_such_contact": _("That contact detail does not belong to this family."),
}


class FamilyError(Exception):
    def __init__(self, code, field=None):
        self.code = code
        self.field = field
        self.message = MESSAGES[code]
        super().__init__(str(self.message))
