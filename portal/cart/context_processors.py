"""The toolbar's CART: how many items the family's cart has and when its
first hold expires. One query, only for a logged-in parent with a family,
and only when a page shows the toolbar."""

from django.utils.functional import SimpleLazyObject


def cart(request):
    family = getattr(request, "family", None)
    user = getattr(request, "user", None)
    if family is None or user is None or not user.is_authenticated:
        return {}

    def load():
        from .selectors import cart_count

        count, expires_at = cart_count(family=family)
        return {"count": count, "expires_at": expires_at}

    return {"cart_summary": SimpleLazyObject(load)}
