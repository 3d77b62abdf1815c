"""The toolbar's CART: how many items the family's cart has and when its
first hold expires. One query, only for a logged-in parent with a family,
and only when a page shows the toolbar. Also the Enroll links' address."""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject


def cart(request):
    organization = getattr(request, "organization", None)
    context = {}
    if organization is not None:
        # Every class card's Enroll link starts with it: reversed once.
        context["cart_add_url"] = SimpleLazyObject(
            lambda: reverse("cart:add", kwargs={"org_slug": organization.slug})
        )
    family = getattr(request, "family", None)
    user = getattr(request, "user", None)
    if family is None or user is None or not user.is_authenticated:
        return context

    def load():
        from .selectors import cart_count

        count, expires_at = cart_count(family=family)
        return {"count": count, "expires_at": expires_at}

    context["cart_summary"] = SimpleLazyObject(load)
    return context
