"""Enrolling errors that staff or a family can cause (nothing was saved)."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "already_enrolled": _("%(student)s is already enrolled in %(offering)s."),
    "already_waitlisted": _("%(student)s is already on the waitlist for %(offering)s."),
    "full": _("%(offering)s is full."),
    "no_waitlist": _("%(offering)s has no waitlist."),
    "waitlist_class_only": _("Only classes have a waitlist."),
}


class EnrollmentError(Exception):
    def __init__(self, code, field=None, **params):
        self.code = code
        self.field = field
        self.message = MESSAGES[code] % params if params else MESSAGES[code]
        super().__init__(str(self.message))
