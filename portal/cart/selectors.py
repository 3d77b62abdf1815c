"""Reads for the cart: what the cart page, the toolbar and the confirmation
page show. Each answers in a fixed number of queries, however full the cart."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Min, Q
from django.utils import timezone

from portal.enrollments.models import Enrollment, EnrollmentStatus

from .models import CartItem


@dataclass
class CartEntry:
    item: CartItem
    quote: object  # portal.cart.pricing.Quote
    expired: bool
    can_renew: bool
    price_changed: bool

    @property
    def total(self):
        return self.quote.total


@dataclass
class CartView:
    items: list[CartEntry] = field(default_factory=list)
    expires_at: datetime.datetime | None = None

    @property
    def count(self):
        return len(self.items)

    @property
    def total(self) -> Decimal:
        return sum((entry.quote.total for entry in self.items), Decimal("0.00"))

    @property
    def due_today(self) -> Decimal:
        return sum((entry.quote.due_today for entry in self.items), Decimal("0.00"))

    @property
    def has_expired(self):
        return any(entry.expired for entry in self.items)


def cart_items(*, family):
    """The family's cart items with what pricing and the pages need."""
    return (
        CartItem.objects.filter(cart__family=family)
        .select_related(
            "student",
            "klass__location",
            "klass__program",
            "klass__organization",
            "event__location",
            "party_slot__location",
            "party_package",
        )
        .order_by("created_at", "pk")
    )


def _renewable(expired, now):
    """Ids of the expired items whose seat is still open (a fixed number of
    queries: one per kind of offering among them)."""
    from .services import _live_holds

    ok = set()
    classes = [e for e in expired if e.klass_id]
    if classes:
        held = dict(
            _live_holds(now)
            .filter(klass_id__in={e.klass_id for e in classes})
            .values("klass_id")
            .annotate(n=Count("pk"))
            .values_list("klass_id", "n")
        )
        for item in classes:
            klass = item.klass
            if klass.capacity - klass.seats_taken - held.get(klass.pk, 0) > 0:
                ok.add(item.pk)
    camps = [e for e in expired if e.event_id]
    if camps:
        ids = {e.event_id for e in camps}
        rows = list(
            Enrollment.objects.filter(
                event_id__in=ids, status=EnrollmentStatus.ACTIVE
            ).values_list("event_id", "days")
        ) + list(
            _live_holds(now).filter(event_id__in=ids).values_list("event_id", "days")
        )
        from .services import camp_days

        for item in camps:
            event = item.event
            taken_rows = [days for event_id, days in rows if event_id == event.pk]
            if all(
                sum(1 for days in taken_rows if not days or day in days)
                < event.capacity
                for day in item.days or camp_days(event)
            ):
                ok.add(item.pk)
    parties = [e for e in expired if e.party_slot_id]
    if parties:
        ids = {e.party_slot_id for e in parties}
        taken = set(
            Enrollment.objects.filter(
                party_slot_id__in=ids, status=EnrollmentStatus.ACTIVE
            ).values_list("party_slot_id", flat=True)
        ) | set(
            _live_holds(now)
            .filter(party_slot_id__in=ids)
            .values_list("party_slot_id", flat=True)
        )
        ok.update(item.pk for item in parties if item.party_slot_id not in taken)
    return ok


def cart_view(*, family, now=None) -> CartView:
    """Each item with its price lines (portal.cart.pricing), whether its hold
    has expired and can be renewed, and whether its price changed since it
    was added; the total, the amount due today and the earliest expiry."""
    from .pricing import quote_items

    now = now or timezone.now()
    items = list(cart_items(family=family))
    if not items:
        return CartView()
    quotes = quote_items(items, now=now)
    expired = [i for i in items if not i.waitlist and i.expires_at <= now]
    renewable = _renewable(expired, now) if expired else set()
    view = CartView()
    for item in items:
        quote = quotes[item.pk]
        is_expired = not item.waitlist and item.expires_at <= now
        view.items.append(
            CartEntry(
                item=item,
                quote=quote,
                expired=is_expired,
                can_renew=item.pk in renewable,
                price_changed=(
                    item.quoted_total is not None and quote.total != item.quoted_total
                ),
            )
        )
    live = [i.expires_at for i in items if not i.waitlist and i.expires_at > now]
    view.expires_at = min(live, default=None)
    return view


def cart_count(*, family, now=None):
    """(number of items, earliest unexpired hold or None) for the toolbar, in
    one query."""
    now = now or timezone.now()
    found = CartItem.objects.filter(cart__family=family).aggregate(
        count=Count("pk"),
        expires_at=Min("expires_at", filter=Q(waitlist=False, expires_at__gt=now)),
    )
    return found["count"], found["expires_at"]


def checkout_receipt(*, family, idempotency_key):
    """What a confirmed checkout bought, for the confirmation page and
    e-mail, read back from what it stored: its Payment, the charges it posted
    (each with its enrollment) and the enrollments made with no charge
    (waitlist places, free items). None when this family has no confirmed
    checkout with that key."""
    from portal.billing.models import EntryKind, LedgerEntry, Payment, PaymentStatus

    from .checkout import Receipt, ReceiptLine

    payment = Payment.objects.filter(
        family=family,
        idempotency_key=idempotency_key,
        status=PaymentStatus.CONFIRMED,
    ).first()
    if payment is None:
        return None
    charges = list(
        LedgerEntry.objects.filter(
            family=family,
            kind=EntryKind.CHARGE,
            idempotency_key__startswith=f"{idempotency_key}:c",
        )
        .select_related(
            "student",
            "enrollment__klass",
            "enrollment__event",
            "enrollment__party_slot",
            "enrollment__party_package",
        )
        .order_by("pk")
    )
    charged = {entry.enrollment_id for entry in charges}
    free = [
        enrollment
        for enrollment in Enrollment.objects.filter(
            student__family=family,
            created_at__gte=payment.created_at,
            created_at__lte=payment.updated_at,
        )
        .select_related("student", "klass", "event", "party_slot", "party_package")
        .order_by("pk")
        if enrollment.pk not in charged
    ]
    receipt = Receipt(key=idempotency_key, payment=payment)
    enrollments = {}
    for entry in charges:
        enrollment = entry.enrollment
        if enrollment is not None:
            enrollments[enrollment.pk] = enrollment
        receipt.lines.append(
            ReceiptLine(
                student=entry.student.full_name if entry.student else "",
                offering=_enrollment_name(enrollment),
                label=entry.description,
                amount=entry.amount,
                due_now=entry.due_on is None,
                due_on=entry.due_on,
            )
        )
    for enrollment in free:
        enrollments[enrollment.pk] = enrollment
        if enrollment.status == EnrollmentStatus.WAITLIST:
            receipt.waitlist.append(enrollment)
    receipt.enrollments = sorted(enrollments.values(), key=lambda e: e.pk)
    return receipt


def _enrollment_name(enrollment):
    if enrollment is None:
        return ""
    if enrollment.party_slot_id and enrollment.party_package_id:
        return str(enrollment.party_package)
    offering = enrollment.offering
    return getattr(offering, "name", str(offering))
