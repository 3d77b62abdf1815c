"""Checkout: the cart's holds become enrollments, charges and one payment.

Three steps, and no lock is held across the call to the gateway:

1. A short transaction locks the cart's offerings in a stable order, checks
   every hold again (an expired one must find a free seat again), the prices
   (a changed price must be confirmed), the required policies and who may
   pay; it marks the holds as in checkout with a fresh expiry long enough
   for the payment and creates the Payment row, `pending`, with the
   checkout's idempotency key. Commit.
2. The gateway is called with that key, no transaction open. When its
   answer is lost (GatewayError), the gateway is asked by key what happened.
3. A short transaction: approved -> enrollments, charges, the payment and its
   allocations, Payment `confirmed`, cart emptied; declined -> Payment
   `failed`, holds back as they were. Should anything fail after the gateway
   approved, the charge is refunded by its key and the Payment is `voided`:
   no money is kept without an enrollment.

The same idempotency key again answers the first outcome (the unique key on
Payment decides between two concurrent submits; the later one waits for the
first one's outcome), so a double submit pays once. A checkout with nothing
to pay today (waitlist only, free items, or "pay at the front desk") needs no
gateway and runs as one transaction; it also leaves a Payment row, of amount
0, so that its key, confirmation page and e-mail work the same way.

A Payment left `pending` (a crash between steps 2 and 3, or a gateway that
cannot say) is settled by the `settle_pending_payments` task.
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.billing.models import Payment, PaymentStatus
from portal.catalog.models import Class, Event, PartySlot
from portal.enrollments.models import Enrollment, EnrollmentStatus

from . import services
from .errors import CheckoutError
from .models import CartItem, CartItemStatus

logger = logging.getLogger(__name__)

# How long holds stay reserved while the gateway answers.
CHECKOUT_HOLD = datetime.timedelta(minutes=10)
# How long a second submit of the same key waits for the first one's outcome.
DUPLICATE_WAIT_SECONDS = 30.0
FRONT_DESK = "front_desk"
# The gateway of a checkout with nothing to pay today.
NO_PAYMENT = "none"
DECLINE_CODES = ("insufficient_funds", "card_declined")


@dataclass
class ReceiptLine:
    student: str
    offering: str
    label: str
    amount: Decimal
    due_now: bool = True
    due_on: datetime.date | None = None


@dataclass
class Receipt:
    key: str
    payment: Payment | None
    lines: list[ReceiptLine] = field(default_factory=list)
    waitlist: list[Enrollment] = field(default_factory=list)
    enrollments: list[Enrollment] = field(default_factory=list)

    @property
    def paid(self) -> Decimal:
        return self.payment.amount if self.payment else Decimal("0.00")

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def due_later(self) -> Decimal:
        return self.total - self.paid

    @property
    def pay_at_front_desk(self):
        return bool(self.payment and self.payment.gateway == FRONT_DESK)

    @property
    def method_label(self):
        """'Visa •••• 4242', or '' when nothing was paid online."""
        if not self.payment or not self.payment.last4:
            return ""
        return f"{self.payment.brand} •••• {self.payment.last4}"


@dataclass
class CheckoutResult:
    """A confirmed checkout. Its receipt is read when asked for: the Pay and
    Enroll view redirects to the receipt page, which reads it itself."""

    payment: Payment | None
    family: object = field(repr=False)
    key: str = ""

    @cached_property
    def receipt(self) -> Receipt:
        from .selectors import checkout_receipt

        return checkout_receipt(family=self.family, idempotency_key=self.key)

    @property
    def enrollments(self) -> list[Enrollment]:
        return self.receipt.enrollments


class _Duplicate(Exception):
    """Another submit of the same key got there first."""


def _offering_key(item):
    if item.klass_id:
        return (0, item.klass_id)
    if item.event_id:
        return (1, item.event_id)
    return (2, item.party_slot_id)


def _offering(item):
    return item.klass or item.event or item.party_slot


def _offering_name(item):
    offering = _offering(item)
    if item.party_slot_id and item.party_package_id:
        return str(item.party_package)
    return getattr(offering, "name", str(offering))


def _item_label(item):
    return f"{_offering_name(item)} ({item.student.first_name})"


def _stored(method):
    from portal.billing.methods import as_stored

    return as_stored(method)


def _starts_on(item, now):
    if item.klass_id:
        location_today = timezone.localdate(now, timezone=_zone(item.klass.location))
        return max(item.klass.season_start, location_today)
    if item.event_id:
        if item.days:
            return datetime.date.fromisoformat(min(item.days))
        return item.event.start_date
    return timezone.localdate(
        item.party_slot.starts_at, _zone(item.party_slot.location)
    )


def _zone(location):
    from portal.formatting import zone_of

    return zone_of(location)


def _decline_error(code, message=""):
    if code in DECLINE_CODES:
        return CheckoutError(code, field="method")
    if message:
        return CheckoutError("declined", message=message, field="method")
    return CheckoutError("declined", field="method")


# Step 3, shared with the settle task -----------------------------------------


def _fulfil(*, payment, family, items, quotes, by, now, policy_accepts=(), base_url=""):
    """Enroll, post the charges and the payment, empty the cart. Runs inside
    the caller's transaction. Returns the enrollments."""
    from portal.billing.services import charge_post, payment_post
    from portal.enrollments.services import enrollment_add, waitlist_join
    from portal.families.services import policy_answer

    key = payment.idempotency_key
    enrollments, due_now = [], []
    for item in sorted(items, key=_offering_key):
        if item.waitlist:
            enrollment = waitlist_join(
                student=item.student, klass=item.klass, by=by, starts_on=None
            )
        else:
            # A hold still unexpired is this family's seat. One that lapsed
            # (the settle job finishing a payment long after the checkout)
            # must find a free seat again under the offering's lock; if
            # another family took it, enrolling fails and the caller gives
            # the approved charge back by its key.
            enrollment = enrollment_add(
                student=item.student,
                klass=item.klass,
                event=item.event,
                party_slot=item.party_slot,
                party_package=item.party_package,
                starts_on=_starts_on(item, now),
                days=item.days,
                by=by,
                check_seats=item.expires_at <= now,
                now=now,
            )
        enrollments.append(enrollment)
        offering = _offering(item)
        for n, line in enumerate(quotes[item.pk].lines):
            if line.amount <= 0:
                continue
            charge = charge_post(
                family=family,
                amount=line.amount,
                description=f"{line.label} – {_item_label(item)}"[:200],
                idempotency_key=f"{key}:c{item.pk}:{n}",
                location=offering.location,
                student=item.student,
                enrollment=enrollment,
                due_on=None if line.due_now else line.due_on,
                created_by=by,
                now=now,
            )
            if line.due_now:
                due_now.append(charge)
    if payment.amount > 0 and payment.status == PaymentStatus.CONFIRMED:
        payment_post(payment=payment, charges=due_now, now=now)
    for policy, student in policy_accepts:
        policy_answer(
            family=family, policy=policy, accepted=True, by=by, student=student, now=now
        )
    CartItem.objects.filter(pk__in=[item.pk for item in items]).delete()
    # The receipt finds this checkout's waitlist places and free enrollments
    # between the Payment's creation and its last update.
    Payment.objects.filter(pk=payment.pk).update(updated_at=timezone.now())
    from .tasks import send_checkout_confirmation

    payment_id = payment.pk
    transaction.on_commit(
        lambda: send_checkout_confirmation.enqueue(
            payment_id=payment_id, base_url=base_url
        )
    )
    return enrollments


def _release(*, payment_id, family, restore, now):
    """Holds in checkout go back to held, with their expiry from before the
    checkout (or `now`: expired, to be renewed, when it is not known)."""
    for item in CartItem.objects.filter(
        cart__family=family, status=CartItemStatus.CHECKOUT
    ):
        item.status = CartItemStatus.HELD
        item.expires_at = restore.get(item.pk, now)
        item.save(update_fields=["status", "expires_at"])


def _fail(*, payment, family, code, message, restore, now):
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.FAILED,
            failure_code=code[:40],
            failure_message=str(message)[:200],
            updated_at=now,
        )
        _release(payment_id=payment.pk, family=family, restore=restore, now=now)


def payment_complete(
    *,
    payment,
    result,
    family,
    by=None,
    now=None,
    quotes=None,
    policy_accepts=(),
    gateway=None,
    restore=None,
    base_url="",
):
    """Step 3 after the gateway approved: exactly once per Payment (the row
    is locked, and a Payment no longer pending is left alone). Returns the
    enrollments; on an error the charge is refunded and the Payment voided."""
    from .pricing import quote_items
    from .selectors import cart_items

    now = now or timezone.now()
    try:
        with transaction.atomic():
            row = Payment.objects.select_for_update().get(pk=payment.pk)
            if row.status != PaymentStatus.PENDING:
                return None
            row.status = PaymentStatus.CONFIRMED
            row.gateway_reference = result.reference[:120]
            if result.last4:
                row.brand, row.last4 = result.brand[:40], result.last4[:4]
                row.method_kind = result.kind or row.method_kind
            row.save()
            items = list(
                cart_items(family=family).filter(status=CartItemStatus.CHECKOUT)
            )
            if quotes is None or set(quotes) != {item.pk for item in items}:
                quotes = quote_items(items, now=now) if items else {}
            enrollments = _fulfil(
                payment=row,
                family=family,
                items=items,
                quotes=quotes,
                by=by,
                now=now,
                policy_accepts=policy_accepts,
                base_url=base_url,
            )
    except Exception:  # noqa: BLE001 - any failure after approval is voided
        logger.exception("Checkout %s failed after approval", payment.pk)
        _void(
            payment=payment,
            result=result,
            family=family,
            gateway=gateway,
            restore=restore or {},
            now=now,
        )
        raise CheckoutError("voided") from None
    payment.refresh_from_db()
    return enrollments


def _void(*, payment, result, family, gateway, restore, now):
    from portal.billing.gateways import GatewayError, gateway_for

    gateway = gateway or gateway_for(family.organization)
    try:
        refund = gateway.refund(
            reference=result.reference,
            amount=payment.amount,
            idempotency_key=f"{payment.idempotency_key}:void",
        )
    except GatewayError:
        # Still pending: the settle task asks the gateway again later.
        logger.warning("Refund of payment %s not confirmed yet", payment.pk)
        return
    if not refund.approved:
        logger.error("Refund of payment %s refused: %s", payment.pk, refund.code)
        return
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.VOIDED,
            gateway_reference=result.reference[:120],
            failure_code="voided",
            failure_message=str(CheckoutError("voided").message)[:200],
            updated_at=now,
        )
        _release(payment_id=payment.pk, family=family, restore=restore, now=now)


# The checkout ---------------------------------------------------------------


class Checkout:
    def __init__(
        self,
        *,
        family,
        guardian,
        idempotency_key: str,
        method=None,
        token: str = "",
        save_method: bool = False,
        recurring_authorized: bool = False,
        accepted_prices: dict | None = None,
        policies_accepted=(),
        by=None,
        now=None,
        base_url: str = "",
    ):
        # Where the confirmation e-mail's link to the receipt starts
        # (`accounts.emails.site_url(request)`); the configured base URL
        # when empty.
        self.base_url = base_url
        self.family = family
        self.organization = family.organization
        self.guardian = guardian
        self.key = (idempotency_key or "").strip()
        self.method = method
        self.token = token or ""
        self.save_method = save_method
        self.recurring_authorized = recurring_authorized
        self.accepted_prices = (
            None
            if accepted_prices is None
            else {int(k): Decimal(v) for k, v in accepted_prices.items()}
        )
        self.policies_accepted = set(policies_accepted)
        self.by = by
        self.now = now or timezone.now()
        # Filled by step 1.
        self.items = []
        self.quotes = {}
        self.restore = {}
        self.policy_accepts = []

    # The outcome of an earlier submit -------------------------------------

    def _existing(self):
        return Payment.objects.filter(
            organization=self.organization, idempotency_key=self.key
        ).first()

    def _outcome(self, payment):
        deadline = time.monotonic() + DUPLICATE_WAIT_SECONDS
        while payment.status == PaymentStatus.PENDING and time.monotonic() < deadline:
            time.sleep(0.05)
            payment = Payment.objects.get(pk=payment.pk)
        if payment.family_id != self.family.pk:
            raise CheckoutError("not_your_family")
        if payment.status == PaymentStatus.CONFIRMED:
            return CheckoutResult(payment=payment, family=self.family, key=self.key)
        if payment.status == PaymentStatus.PENDING:
            raise CheckoutError("pending")
        if payment.status == PaymentStatus.VOIDED:
            raise CheckoutError("voided")
        raise _decline_error(payment.failure_code, payment.failure_message)

    # Step 1 -----------------------------------------------------------------

    def _policies(self, students):
        from portal.families.selectors import policy_items

        missing = []
        for entry in policy_items(family=self.family, students=students):
            if not entry.policy.required or entry.accepted:
                continue
            if entry.key in self.policies_accepted:
                self.policy_accepts.append((entry.policy, entry.student))
            else:
                missing.append(entry)
        if missing:
            raise CheckoutError("policies", field="policies")

    def _recheck(self, items, locked, now):
        taken = set(
            Enrollment.objects.filter(
                student_id__in={item.student_id for item in items},
                status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.WAITLIST],
            ).values_list("student_id", "klass_id", "event_id", "party_slot_id")
        )
        for item in items:
            if (
                item.student_id,
                item.klass_id,
                item.event_id,
                item.party_slot_id,
            ) in taken:
                raise CheckoutError(
                    "already_enrolled",
                    item_id=item.pk,
                    student=item.student.first_name,
                    offering=_offering_name(item),
                )
            if item.status == CartItemStatus.CHECKOUT and item.expires_at > now:
                raise CheckoutError("in_progress")
            self.restore[item.pk] = item.expires_at
            if not item.waitlist and item.expires_at <= now:
                model = (Class, Event, PartySlot)[_offering_key(item)[0]]
                row = locked[(model, _offering_key(item)[1])]
                problem = services.seat_problem(
                    klass=row if item.klass_id else None,
                    event=row if item.event_id else None,
                    party_slot=row if item.party_slot_id else None,
                    days=item.days,
                    now=now,
                    exclude_item_id=item.pk,
                )
                if problem is not None:
                    raise CheckoutError(
                        "hold_lost", item_id=item.pk, item=_item_label(item)
                    )
            # Held again, for the payment: the next item's count sees it.
            item.status = CartItemStatus.CHECKOUT
            item.expires_at = now + CHECKOUT_HOLD
            item.save(update_fields=["status", "expires_at"])

    def _prices(self, items):
        from .pricing import quote_items

        quotes = quote_items(items, now=self.now)
        shown = self.accepted_prices
        changed = {}
        for item in items:
            new = quotes[item.pk].total
            before = shown.get(item.pk) if shown is not None else item.quoted_total
            if before is None and shown is None:
                continue
            if before != new:
                changed[item.pk] = new
        if changed:
            raise CheckoutError(
                "prices",
                field="prices",
                prices={item.pk: quotes[item.pk].total for item in items},
            )
        return quotes

    def _method_check(self, settings):
        method = self.method
        if method is not None:
            if method.guardian_id != self.guardian.pk:
                raise CheckoutError("bad_method", field="method")
            if (method.kind == "card" and not settings.accept_cards) or (
                method.kind == "bank" and not settings.accept_echecks
            ):
                raise CheckoutError("bad_method", field="method")
        elif not self.token:
            raise CheckoutError("no_method", field="method")

    def _begin(self, settings, gateway):
        """Step 1. Returns the pending Payment, or the confirmed one when
        nothing is paid online (the whole checkout is done then)."""
        from .selectors import cart_items

        now = self.now
        with transaction.atomic():
            first = list(
                CartItem.objects.filter(cart__family=self.family).only(
                    "pk", "klass_id", "event_id", "party_slot_id"
                )
            )
            if not first:
                if self._existing() is not None:
                    raise _Duplicate
                raise CheckoutError("empty")
            locked = services.lock_offerings(first)
            if self._existing() is not None:
                raise _Duplicate
            rows = cart_items(family=self.family)
            if services.LOCKING:
                rows = rows.select_for_update(of=("self",))
            items = list(rows)
            if not items:
                raise CheckoutError("empty")
            missing = [
                item
                for item in items
                if (
                    (Class, Event, PartySlot)[_offering_key(item)[0]],
                    _offering_key(item)[1],
                )
                not in locked
            ]
            if missing:  # added while this checkout started: lock those too
                locked.update(services.lock_offerings(missing))
            self._recheck(items, locked, now)
            quotes = self._prices(items)
            self._policies(
                list({item.student_id: item.student for item in items}.values())
            )
            due = sum((q.due_today for q in quotes.values()), Decimal("0.00"))
            if due > 0 and not (
                self.guardian.is_primary or self.guardian.may_make_payments
            ):
                raise CheckoutError("may_not_pay", field="method")
            if due > 0 and gateway is None and not settings.pay_at_front_desk:
                raise CheckoutError("no_gateway")
            online = due > 0 and gateway is not None
            if online:
                self._method_check(settings)
            location = _offering(items[0]).location
            payment = Payment(
                organization=self.organization,
                family=self.family,
                guardian=self.guardian,
                location=location,
                amount=due if online else Decimal("0.00"),
                status=PaymentStatus.PENDING if online else PaymentStatus.CONFIRMED,
                idempotency_key=self.key,
                gateway=gateway.name
                if online
                else (FRONT_DESK if due > 0 else NO_PAYMENT),
                method=self.method if online else None,
                method_kind=self.method.kind if online and self.method else "",
                brand=self.method.brand if online and self.method else "",
                last4=self.method.last4 if online and self.method else "",
            )
            # Its related rows were loaded above (no query to find each).
            payment.full_clean(
                exclude=["organization", "family", "guardian", "location", "method"],
                validate_constraints=False,
            )
            try:
                with transaction.atomic():
                    payment.save()
            except IntegrityError:
                raise _Duplicate from None
            self.items, self.quotes = items, quotes
            if not online:
                self.enrollments = _fulfil(
                    payment=payment,
                    family=self.family,
                    items=items,
                    quotes=quotes,
                    by=self.by,
                    now=now,
                    policy_accepts=self.policy_accepts,
                    base_url=self.base_url,
                )
        return payment

    # Step 2 -----------------------------------------------------------------

    def _charge(self, payment, gateway):
        """The gateway's answer: a ChargeResult, or None when it has no
        charge under this key. Raises CheckoutError("pending") when it
        cannot say."""
        from portal.billing.gateways import GatewayError, TokenError

        stored = _stored(self.method) if self.method is not None else None
        if stored is None and self.save_method:
            from portal.billing.errors import BillingError
            from portal.billing.methods import MethodError, method_save

            try:
                saved = method_save(
                    guardian=self.guardian,
                    token=self.token,
                    recurring_authorized=self.recurring_authorized,
                    now=self.now,
                )
            except (MethodError, BillingError, GatewayError) as error:
                message = (
                    getattr(error, "message", "")
                    or CheckoutError("unreachable").message
                )
                self._fail(payment, "method", message)
                raise CheckoutError(
                    "declined", message=message, field="method"
                ) from None
            stored = _stored(saved)
            Payment.objects.filter(pk=payment.pk).update(
                method=saved,
                method_kind=saved.kind,
                brand=saved.brand,
                last4=saved.last4,
            )
        try:
            return gateway.charge(
                amount=payment.amount,
                currency=self.organization.currency,
                idempotency_key=self.key,
                token="" if stored else self.token,
                method=stored,
                description=", ".join(_item_label(i) for i in self.items)[:200],
            )
        except TokenError:
            self._fail(payment, "token", CheckoutError("unreachable").message)
            raise CheckoutError("unreachable", field="method") from None
        except GatewayError:
            logger.warning("Gateway did not answer for payment %s", payment.pk)
        try:
            return gateway.find_charge(idempotency_key=self.key)
        except GatewayError:
            raise CheckoutError("pending") from None

    def _fail(self, payment, code, message):
        _fail(
            payment=payment,
            family=self.family,
            code=code,
            message=message,
            restore=self.restore,
            now=self.now,
        )

    # All three ----------------------------------------------------------------

    def commit(self) -> CheckoutResult:
        from portal.billing.gateways import gateway_for

        if not self.key:
            raise ValueError("A checkout needs an idempotency key.")
        if self.guardian.family_id != self.family.pk:
            raise CheckoutError("not_your_family")
        existing = self._existing()
        if existing is not None:
            return self._outcome(existing)
        settings = services._settings(self.organization)
        if settings.is_read_only:
            raise CheckoutError("setup_mode")
        if not settings.is_open:
            raise CheckoutError("portal_closed")
        gateway = gateway_for(self.organization)
        try:
            payment = self._begin(settings, gateway)
        except _Duplicate:
            return self._outcome(self._existing())
        if payment.status == PaymentStatus.CONFIRMED:
            return self._outcome(payment)
        result = self._charge(payment, gateway)
        if result is None:
            self._fail(payment, "unreachable", CheckoutError("unreachable").message)
            raise CheckoutError("unreachable", field="method")
        if not result.approved:
            error = _decline_error(result.code, result.message)
            self._fail(payment, result.code or "declined", error.message)
            raise error
        payment_complete(
            payment=payment,
            result=result,
            family=self.family,
            by=self.by,
            now=self.now,
            quotes=self.quotes,
            policy_accepts=self.policy_accepts,
            gateway=gateway,
            restore=self.restore,
            base_url=self.base_url,
        )
        return self._outcome(Payment.objects.get(pk=payment.pk))
