from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "already_staff": _("This person is already on this organization's staff."),
    "last_manager": _(
        "This is the organization's last manager. Make someone else a manager first."
    ),
}


class TenancyError(Exception):
    """Something staff asked for that the rules refuse; nothing was changed."""

    def __init__(self, code, field=None):
        self.code = code
        self.field = field
        self.message = MESSAGES[code]
        super().__init__(str(self.message))
