"""The cart: a family's seat holds until checkout.

A cart item holds one seat in a class, camp or party slot until `expires_at`
(the reservation timer). A hold counts while `expires_at` is in the future; an
expired row is simply ignored by every seat count. Adding to the cart and
checkout are services in portal.cart.services.

An item is `held` while the family shops and `checkout` while its payment
is under way (the checkout gives it a fresh `expires_at` long enough for the
gateway). A waitlist item holds no seat. `quoted_total` is the price shown
when the item was added: a different price at checkout must be confirmed.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.catalog.models import ONE_OFFERING
from portal.tenancy.models import TenantModel

MONEY = {"max_digits": 12, "decimal_places": 2}


class CartItemStatus(models.TextChoices):
    HELD = "held", _("Held")
    CHECKOUT = "checkout", _("In checkout")


class Cart(TenantModel):
    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="carts"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cart")
        constraints = [
            models.UniqueConstraint(fields=["family"], name="cart_one_per_family")
        ]

    def __str__(self):
        return f"{self.family} cart"


class CartItem(TenantModel):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    student = models.ForeignKey(
        "families.Student", on_delete=models.CASCADE, related_name="+"
    )
    klass = models.ForeignKey(
        "catalog.Class",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="holds",
    )
    event = models.ForeignKey(
        "catalog.Event",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="holds",
    )
    party_slot = models.ForeignKey(
        "catalog.PartySlot",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="holds",
    )
    party_package = models.ForeignKey(
        "catalog.PartyPackage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Chosen camp days (ISO dates) where the camp is sold by the day; empty
    # for the whole camp.
    days = models.JSONField(default=list, blank=True)
    waitlist = models.BooleanField(_("waitlist"), default=False)
    status = models.CharField(
        max_length=10, choices=CartItemStatus.choices, default=CartItemStatus.HELD
    )
    quoted_total = models.DecimalField(**MONEY, null=True, blank=True)
    expires_at = models.DateTimeField(_("held until"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cart item")
        indexes = [
            models.Index(fields=["klass", "expires_at"]),
            models.Index(fields=["event", "expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=ONE_OFFERING, name="cart_item_one_offering"
            ),
            models.UniqueConstraint(
                fields=["student", "klass"],
                condition=models.Q(klass__isnull=False),
                name="cart_item_student_class_once",
            ),
            models.UniqueConstraint(
                fields=["student", "event"],
                condition=models.Q(event__isnull=False),
                name="cart_item_student_event_once",
            ),
        ]

    def __str__(self):
        return f"{self.student} – {self.klass or self.event or self.party_slot}"
