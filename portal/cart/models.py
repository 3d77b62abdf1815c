"""The cart: a family's seat holds until checkout.

A cart item holds one seat in a class, camp or party slot until `expires_at`
(the reservation timer). A hold counts while `expires_at` is in the future; an
expired row is simply ignored by every seat count. Adding to the cart and
checkout come with the enrolling screens.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.catalog.models import ONE_OFFERING
from portal.tenancy.models import TenantModel


class Cart(TenantModel):
    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="carts"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cart")

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
            )
        ]

    def __str__(self):
        return f"{self.student} – {self.klass or self.event or self.party_slot}"
