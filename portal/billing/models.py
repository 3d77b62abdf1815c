"""Money: the append-only ledger, payments through a gateway, stored methods.

The ledger is a list of entries that are only ever inserted: charges,
payments, refunds, credits and adjustments. A correction is a new entry that
`reverses` the original. Payments and credits are allocated to charges with
Allocation rows. A family's balance and credit are sums over these rows.

A Payment is the record of one attempt to take money through a gateway; its
status moves pending -> confirmed / failed (and confirmed -> voided when a
charge approved after an error is given back). Only a confirmed payment
writes ledger entries. No card or bank account number is ever stored: only
the gateway's token, the brand or bank name, the last four digits and the
expiry.
"""

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from portal.tenancy.models import TenantModel

MONEY = {"max_digits": 12, "decimal_places": 2}

# Where the database cannot refuse (SQLite), the models do.
APPEND_ONLY = pgtrigger.Protect(
    name="append_only", operation=pgtrigger.Update | pgtrigger.Delete
)


class AppendOnlyError(Exception):
    """An attempt to change or delete a ledger row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Ledger rows are never updated.")

    def delete(self):
        raise AppendOnlyError("Ledger rows are never deleted.")


AppendOnlyManager = models.Manager.from_queryset(AppendOnlyQuerySet)


class AppendOnlyModel(TenantModel):
    objects = ScopedManager(
        organization="organization", _manager_class=AppendOnlyManager
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Ledger rows are never updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Ledger rows are never deleted.")


class EntryKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")
    CREDIT = "credit", _("Credit")
    ADJUSTMENT = "adjustment", _("Adjustment")


# How each kind moves what the family owes: a charge raises the balance, a
# payment or a credit lowers it, a refund gives paid money back (raising it
# again). An adjustment carries its own sign.
BALANCE_SIGN = {
    EntryKind.CHARGE: 1,
    EntryKind.PAYMENT: -1,
    EntryKind.CREDIT: -1,
    EntryKind.REFUND: 1,
    EntryKind.ADJUSTMENT: 1,
}


class LedgerEntry(AppendOnlyModel):
    family = models.ForeignKey(
        "families.Family", on_delete=models.PROTECT, related_name="ledger_entries"
    )
    location = models.ForeignKey(
        "tenancy.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    student = models.ForeignKey(
        "families.Student",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    enrollment = models.ForeignKey(
        "enrollments.Enrollment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    payment = models.ForeignKey(
        "billing.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    kind = models.CharField(_("type"), max_length=12, choices=EntryKind.choices)
    # Positive for every kind but an adjustment, which may lower the balance.
    amount = models.DecimalField(_("amount"), **MONEY)
    description = models.CharField(_("description"), max_length=200)
    posted_at = models.DateTimeField(_("posted"), default=timezone.now)
    due_on = models.DateField(_("due"), null=True, blank=True)
    reverses = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
    )
    idempotency_key = models.CharField(max_length=80)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["posted_at", "pk"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["family", "posted_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                name="ledger_entry_idempotency_key",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0) | models.Q(kind="adjustment"),
                name="ledger_entry_positive_amount",
            ),
        ]
        triggers = [APPEND_ONLY]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} – {self.description}"

    @property
    def signed_amount(self):
        return BALANCE_SIGN[EntryKind(self.kind)] * self.amount

    def clean(self):
        if self.kind != EntryKind.ADJUSTMENT and self.amount is not None:
            if self.amount <= 0:
                raise ValidationError({"amount": _("Enter an amount above zero.")})
        if self.kind == EntryKind.ADJUSTMENT and self.amount == 0:
            raise ValidationError({"amount": _("An adjustment cannot be zero.")})


class Allocation(AppendOnlyModel):
    """Part of a payment or credit (`source`) applied to a charge."""

    source = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="allocations_out"
    )
    charge = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="allocations_in"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("allocation")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="allocation_positive_amount"
            )
        ]
        triggers = [APPEND_ONLY]


class MethodKind(models.TextChoices):
    CARD = "card", _("Card")
    BANK = "bank", _("Bank account")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    FAILED = "failed", _("Failed")
    VOIDED = "voided", _("Voided")


class Payment(TenantModel):
    """One attempt to take money through a gateway (mutable status)."""

    family = models.ForeignKey(
        "families.Family", on_delete=models.PROTECT, related_name="payments"
    )
    guardian = models.ForeignKey(
        "families.Guardian",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    location = models.ForeignKey(
        "tenancy.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PaymentStatus.choices,
        default=PaymentStatus.PENDING,
    )
    idempotency_key = models.CharField(max_length=80)
    gateway = models.CharField(_("gateway"), max_length=20)
    gateway_reference = models.CharField(max_length=120, blank=True)
    method = models.ForeignKey(
        "billing.PaymentMethod",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payments",
    )
    method_kind = models.CharField(max_length=4, choices=MethodKind.choices, blank=True)
    brand = models.CharField(max_length=40, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_message = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payment")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                name="payment_idempotency_key",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.amount} {self.get_status_display()}"


class PaymentMethod(TenantModel):
    """A guardian's stored card or bank account: the gateway's token only."""

    guardian = models.ForeignKey(
        "families.Guardian", on_delete=models.CASCADE, related_name="payment_methods"
    )
    kind = models.CharField(_("type"), max_length=4, choices=MethodKind.choices)
    brand = models.CharField(_("brand or bank"), max_length=40)
    last4 = models.CharField(_("last four digits"), max_length=4)
    exp_month = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    gateway = models.CharField(max_length=20)
    token = models.CharField(max_length=200)
    customer_reference = models.CharField(max_length=200, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    recurring_authorized = models.BooleanField(
        _("authorized for recurring billing"), default=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_default", "created_at", "pk"]
        verbose_name = _("stored payment method")
        constraints = [
            models.UniqueConstraint(
                fields=["guardian"],
                condition=models.Q(is_default=True),
                name="payment_method_one_default",
            )
        ]

    def __str__(self):
        return f"{self.brand} •••• {self.last4}"


class GatewayProvider(models.TextChoices):
    NONE = "", _("None: online payments are not accepted")
    SANDBOX = "sandbox", _("Sandbox (test numbers only)")
    STRIPE = "stripe", _("Stripe")


class GatewayAccount(models.Model):
    """Which gateway an organization takes payments through, and its keys.

    The secret key and webhook secret are written, never shown back."""

    organization = models.OneToOneField(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="gateway"
    )
    provider = models.CharField(
        _("payment gateway"),
        max_length=10,
        choices=GatewayProvider.choices,
        blank=True,
        default=GatewayProvider.NONE,
    )
    publishable_key = models.CharField(_("publishable key"), max_length=200, blank=True)
    secret_key = models.CharField(_("secret key"), max_length=200, blank=True)
    webhook_secret = models.CharField(
        _("webhook signing secret"), max_length=200, blank=True
    )

    class Meta:
        verbose_name = _("payment gateway")

    def __str__(self):
        return self.get_provider_display()

    @property
    def accepts_online_payments(self):
        return bool(self.provider)


class WebhookEvent(models.Model):
    """A gateway event, stored by its id so a repeated delivery does nothing."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="+"
    )
    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=120)
    event_type = models.CharField(max_length=80)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "event_id"], name="webhook_event_once"
            )
        ]


class SandboxToken(models.Model):
    """What the built-in sandbox gateway remembers of a card or bank account
    typed into its entry page: the test outcome it stands for, never the
    number. A one-time token (`reusable` False) is used once, by a charge or
    by setting up a stored method, which issues a reusable token."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True)
    reusable = models.BooleanField(default=False)
    outcome = models.CharField(max_length=40)  # "approve", "card_declined" ...
    kind = models.CharField(max_length=4, choices=MethodKind.choices)
    brand = models.CharField(max_length=40)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)


class SandboxCharge(models.Model):
    """A charge or refund the sandbox gateway made, by idempotency key: the
    same key again returns this first outcome."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="+"
    )
    idempotency_key = models.CharField(max_length=120)
    reference = models.CharField(max_length=64, unique=True)
    operation = models.CharField(max_length=6, default="charge")  # or "refund"
    refunds = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    approved = models.BooleanField()
    code = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=4, blank=True)
    brand = models.CharField(max_length=40, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                name="sandbox_charge_idempotency_key",
            )
        ]
