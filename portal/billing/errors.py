from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "amount_not_positive": _("Enter an amount above zero."),
    "adjustment_zero": _("An adjustment cannot be zero."),
    "payment_not_confirmed": _("Only a confirmed payment can be posted."),
    "wrong_family": _("That entry belongs to another family."),
    "not_a_charge": _("Payments and credits can only be applied to charges."),
    "already_reversed": _("This entry has already been reversed."),
    "reversal_of_reversal": _(
        "A reversal cannot be reversed; post a new entry instead."
    ),
    "refund_exceeds_credit": _(
        "The refund is more than the credit the family has available."
    ),
    "refund_exceeds_payment": _(
        "The refund is more than what is left of this payment."
    ),
    "key_reused": _(
        "This request was already used for a different entry; start it again."
    ),
    "reason_required": _("Say why this entry is made."),
}


class BillingError(Exception):
    def __init__(self, code, field=None):
        self.code = code
        self.field = field
        self.message = MESSAGES[code]
        super().__init__(str(self.message))
