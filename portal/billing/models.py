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
from django.core.serializers.json import DjangoJSONEncoder
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
    # Allocations written with their source entry share its transaction and
    # need no key of their own. Those written later (Apply Credit: credit
    # already on the ledger applied to charges) carry one, so a retried
    # request applies nothing twice.
    idempotency_key = models.CharField(max_length=80, blank=True, default="")

    class Meta:
        verbose_name = _("allocation")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="allocation_positive_amount"
            ),
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="allocation_idempotency_key",
            ),
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


class PaymentPurpose(models.TextChoices):
    CHECKOUT = "checkout", _("Checkout")
    BALANCE = "balance", _("Payment on account")
    TUITION = "tuition", _("Tuition billing")
    STAFF = "staff", _("Recorded by staff")


class Payment(TenantModel):
    """One attempt to take money through a gateway (mutable status).

    `purpose` tells the job that settles a pending payment what the money
    was for: a checkout's cart, or the charges listed in `charge_ids`
    (Make Payment, tuition billing, a payment taken by staff)."""

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
    purpose = models.CharField(
        _("purpose"),
        max_length=10,
        choices=PaymentPurpose.choices,
        default=PaymentPurpose.CHECKOUT,
    )
    # Ledger entry ids of the charges this payment pays, in order (not for a
    # checkout, whose charges are written with the payment).
    charge_ids = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
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


def private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class StatementKind(models.TextChoices):
    STATEMENT = "statement", _("Statement")
    LEDGER = "ledger", _("Ledger")
    YEAR_END = "year_end", _("Year-end statement")


class Statement(TenantModel):
    """A statement, ledger or year-end statement as it was issued.

    `content` holds everything the PDF printed (header, addresses, lines,
    aging, totals) at the moment of issue, so a reprint is identical however
    the ledger has moved since. Numbers count up per organization."""

    family = models.ForeignKey(
        "families.Family", on_delete=models.PROTECT, related_name="statements"
    )
    location = models.ForeignKey(
        "tenancy.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("type"), max_length=10, choices=StatementKind.choices)
    number = models.PositiveIntegerField(_("number"))
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    as_of = models.DateField(_("as of"))
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"), null=True, blank=True)
    content = models.JSONField(encoder=DjangoJSONEncoder, default=dict)
    total = models.DecimalField(_("total"), default=0, **MONEY)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    batch = models.ForeignKey(
        "billing.StatementBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="statements",
    )

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("statement")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="statement_number"
            )
        ]
        indexes = [models.Index(fields=["family", "issued_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Printing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class StatementBatch(TenantModel):
    """Statements printed for many families in the background.

    The worker records its progress here (done of total) for the admin to
    poll, and stores the one PDF of every statement in private storage."""

    location = models.ForeignKey(
        "tenancy.Location", on_delete=models.PROTECT, related_name="+"
    )
    as_of = models.DateField(_("statement date"))
    family_ids = models.JSONField(default=list)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=BatchStatus.choices,
        default=BatchStatus.QUEUED,
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failures = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    pdf = models.FileField(
        storage=private_storage, upload_to="statement-batches/", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("statement batch")
        verbose_name_plural = _("statement batches")

    def __str__(self):
        return f"{self.location} {self.as_of}"

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == BatchStatus.DONE else 0
        return min(100, self.done * 100 // self.total)


class BillingRunStatus(models.TextChoices):
    POSTED = "posted", _("Posted")
    CHARGED = "charged", _("Charged")


class BillingRun(TenantModel):
    """The tuition of one month posted for the active class enrollments of
    one location (or of every location).

    Its lines say what each enrollment was charged, or that the month was
    billed already; its payments what charging the families' stored methods
    gave. The charges themselves are ledger entries with the key
    `tuition:<enrollment id>:<YYYY-MM>`, so a month is billed once."""

    month = models.DateField(_("month"))  # the month's first day
    location = models.ForeignKey(
        "tenancy.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: every location."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=BillingRunStatus.choices,
        default=BillingRunStatus.POSTED,
    )
    idempotency_key = models.CharField(max_length=80)
    total = models.DecimalField(_("posted"), default=0, **MONEY)
    posted_count = models.PositiveIntegerField(default=0)
    already_billed_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    charged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    charged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("billing run")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                name="billing_run_idempotency_key",
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m}"


class BillingRunLineStatus(models.TextChoices):
    POSTED = "posted", _("Posted")
    ALREADY_BILLED = "already_billed", _("Already billed")


class BillingRunLine(TenantModel):
    """One enrollment's tuition in a billing run."""

    run = models.ForeignKey(BillingRun, on_delete=models.CASCADE, related_name="lines")
    family = models.ForeignKey(
        "families.Family", on_delete=models.PROTECT, related_name="+"
    )
    student = models.ForeignKey(
        "families.Student", on_delete=models.PROTECT, related_name="+"
    )
    enrollment = models.ForeignKey(
        "enrollments.Enrollment", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=16, choices=BillingRunLineStatus.choices
    )
    # The charge this run posted, or the one that billed the month before.
    charge = models.ForeignKey(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=200)
    meetings = models.PositiveSmallIntegerField(_("meetings"), default=0)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("billing run line")
        indexes = [models.Index(fields=["run", "family"])]
        constraints = [
            # An enrollment's month is posted by one run only, even when two
            # runs post at the same moment.
            models.UniqueConstraint(
                fields=["enrollment", "month"],
                condition=models.Q(status="posted"),
                name="billing_run_line_once",
            )
        ]


class BillingRunPaymentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the gateway")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    NO_METHOD = "no_method", _("No stored method authorized for recurring billing")
    NOTHING_DUE = "nothing_due", _("Nothing left to pay")


class BillingRunPayment(TenantModel):
    """What charging one family's stored method for a run's tuition gave."""

    run = models.ForeignKey(
        BillingRun, on_delete=models.CASCADE, related_name="payments"
    )
    family = models.ForeignKey(
        "families.Family", on_delete=models.PROTECT, related_name="+"
    )
    method = models.ForeignKey(
        PaymentMethod,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = models.DecimalField(_("amount"), default=0, **MONEY)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=BillingRunPaymentStatus.choices,
        default=BillingRunPaymentStatus.PENDING,
    )
    failure_message = models.CharField(_("reason"), max_length=200, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("billing run payment")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "family"], name="billing_run_payment_once"
            )
        ]
