"""What a family can run into while adding to the cart or checking out.

Each error carries a code, a translatable message and, where the message
belongs next to one part of the form, the field it belongs to. Views show the
message and change nothing: the services raise before writing anything.
"""

from django.utils.translation import gettext_lazy as _

# The words of the preview banner in templates/base.html.
SETUP_MODE = _(
    "This portal is being set up. You can look around, but booking and "
    "checkout are not open yet."
)

MESSAGES = {
    "setup_mode": SETUP_MODE,
    "portal_closed": _("Booking is not open at this portal."),
    "not_your_student": _("That student is not in your family."),
    "no_such_offering": _("That class, camp or party is not offered here."),
    "not_found": _("That item is not in your cart."),
    "one_offering": _("Choose one class, camp or party."),
    "too_young": _("%(student)s is too young for %(offering)s."),
    "too_old": _("%(student)s is too old for %(offering)s."),
    "gender": _("%(offering)s is for another gender."),
    "offline": _("%(offering)s cannot be booked online. Please call us to enroll."),
    "not_open": _("Registration for %(offering)s opens %(opens)s."),
    "policy": _(
        "%(student)s cannot enroll until the required policies are accepted "
        "(My Account > Students)."
    ),
    "ended": _("%(offering)s has already ended."),
    "already_enrolled": _("%(student)s is already enrolled in %(offering)s."),
    "already_waitlisted": _("%(student)s is already on the waitlist for %(offering)s."),
    "already_in_cart": _("%(student)s already has %(offering)s in the cart."),
    "full": _("%(offering)s is full."),
    "full_waitlist": _("%(offering)s is full. You can Join Waitlist instead."),
    "no_waitlist": _("%(offering)s has no waitlist."),
    "has_openings": _("%(offering)s has openings: Enroll instead."),
    "day_full": _("%(offering)s is full on %(day)s."),
    "bad_day": _("%(day)s is not a day of %(offering)s."),
    "days_not_sold": _("%(offering)s is sold for the whole camp only."),
    "no_package": _("Choose a party package."),
    "slot_past": _("That party time has passed."),
    "in_checkout": _("This item is being paid for right now."),
    "not_expired": _("This item is still held for you."),
}


class CartError(Exception):
    """A cart request that cannot be done; nothing was changed."""

    def __init__(self, code, message=None, field=None, **params):
        self.code = code
        self.field = field
        self.params = params
        if message is None:
            message = MESSAGES[code]
            if params:
                message = message % params
        self.message = message
        super().__init__(str(message))


CHECKOUT_MESSAGES = {
    "setup_mode": SETUP_MODE,
    "portal_closed": MESSAGES["portal_closed"],
    "empty": _("Your cart is empty."),
    "not_your_family": _("You are not a guardian of this family."),
    "may_not_pay": _(
        "The primary guardian has not allowed you to make payments. Ask them to "
        "check out, or to allow payments for you."
    ),
    "hold_lost": _(
        "The hold on %(item)s expired and its seat has been taken. Remove it "
        "from your cart to continue."
    ),
    "already_enrolled": MESSAGES["already_enrolled"],
    "prices": _(
        "Some prices changed since you added them to your cart. Check the new "
        "prices and confirm to continue."
    ),
    "policies": _("Accept every required policy to continue."),
    "no_gateway": _(
        "This business does not accept online payments. Please contact them to enroll."
    ),
    "no_method": _("Choose a saved payment method or enter a new one."),
    "bad_method": _("That payment method cannot be used here."),
    "in_progress": _(
        "A payment for this cart is already under way. Wait a moment and check "
        "My Account."
    ),
    "pending": _(
        "Your payment is still being processed. We will e-mail you as soon as "
        "it is confirmed; please do not pay again."
    ),
    "declined": _("The payment was declined. Use another card or bank account."),
    "card_declined": _("The card was declined. Use another card or bank account."),
    "insufficient_funds": _(
        "The payment was declined for insufficient funds. Use another card or "
        "bank account."
    ),
    "unreachable": _(
        "The payment could not be completed and nothing was charged. Please try again."
    ),
    "voided": _(
        "Something went wrong while enrolling. Your payment was given back and "
        "nothing was charged; please try again."
    ),
}


class CheckoutError(Exception):
    """A checkout that did not go through. `field` is "method", "prices",
    "policies" or None; `prices` holds the new price of each item (by id)
    when field is "prices"; `item_id` names the cart item at fault."""

    def __init__(
        self, code, message=None, field=None, prices=None, item_id=None, **params
    ):
        self.code = code
        self.field = field
        self.prices = prices or {}
        self.item_id = item_id
        self.params = params
        if message is None:
            message = CHECKOUT_MESSAGES[code]
            if params:
                message = message % params
        self.message = message
        super().__init__(str(message))
