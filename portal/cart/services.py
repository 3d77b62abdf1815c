"""Writes for the cart: hold a seat, let it go, hold it again.

Adding to the cart takes the seat. In one short transaction the offering's
row (class, camp or party slot) is locked with SELECT ... FOR UPDATE, the
open seats are counted (capacity − active enrollments − unexpired holds) and
the hold is inserted; two families can therefore never take the same last
seat. A hold counts while `expires_at` is in the future; nothing needs to
run when it expires.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from portal.catalog.models import Class, Event, PartySlot
from portal.enrollments.models import Enrollment, EnrollmentStatus

from .errors import CartError
from .models import Cart, CartItem, CartItemStatus

# Test-only switch: the race tests turn the row locks off to prove that they
# can see an oversold seat. Always True outside those tests.
LOCKING = True


# Seats ----------------------------------------------------------------------


def lock_offering(model, pk):
    """The offering's row, locked until the transaction ends (LOCKING)."""
    rows = model.objects.filter(pk=pk)
    if LOCKING:
        rows = rows.select_for_update()
    return rows.get()


def lock_offerings(items):
    """Lock every offering of these cart items in a stable order (classes,
    then camps, then party slots, each by id), so that two checkouts sharing
    offerings never wait for each other in a circle. Returns {(model, pk): row}."""
    wanted = {Class: set(), Event: set(), PartySlot: set()}
    for item in items:
        if item.klass_id:
            wanted[Class].add(item.klass_id)
        elif item.event_id:
            wanted[Event].add(item.event_id)
        else:
            wanted[PartySlot].add(item.party_slot_id)
    locked = {}
    for model in (Class, Event, PartySlot):
        if not wanted[model]:
            continue
        rows = model.objects.filter(pk__in=wanted[model]).order_by("pk")
        if LOCKING:
            rows = rows.select_for_update()
        for row in rows:
            locked[(model, row.pk)] = row
    return locked


def _live_holds(now, exclude_item_id=None):
    holds = CartItem.objects.filter(waitlist=False, expires_at__gt=now)
    if exclude_item_id is not None:
        holds = holds.exclude(pk=exclude_item_id)
    return holds


def camp_days(event) -> list[str]:
    day, days = event.start_date, []
    while day <= event.end_date:
        days.append(day.isoformat())
        day += datetime.timedelta(days=1)
    return days


def seat_problem(
    *,
    klass=None,
    event=None,
    party_slot=None,
    days=(),
    now,
    exclude_item_id=None,
):
    """None when a seat is open, else (code, day). `klass` must be the row
    just locked: its `seats_taken` is the count of active enrollments.

    A camp sold by the day needs a seat on every chosen day (the whole camp:
    every day); an enrollment or hold without days takes every day."""
    if klass is not None:
        held = _live_holds(now, exclude_item_id).filter(klass=klass).count()
        if klass.capacity - klass.seats_taken - held > 0:
            return None
        return ("full", None)
    if event is not None:
        rows = list(
            Enrollment.objects.filter(
                event=event, status=EnrollmentStatus.ACTIVE
            ).values_list("days", flat=True)
        )
        rows += list(
            _live_holds(now, exclude_item_id)
            .filter(event=event)
            .values_list("days", flat=True)
        )
        for day in days or camp_days(event):
            taken = sum(1 for taken_days in rows if not taken_days or day in taken_days)
            if taken >= event.capacity:
                return ("day_full" if days else "full", day)
        return None
    taken = Enrollment.objects.filter(
        party_slot=party_slot, status=EnrollmentStatus.ACTIVE
    ).exists() or (
        _live_holds(now, exclude_item_id).filter(party_slot=party_slot).exists()
    )
    return ("full", None) if taken else None


# Who may hold what ------------------------------------------------------------


def _settings(organization):
    from portal.tenancy.models import PortalSettings

    return PortalSettings.objects.get(organization=organization)


def refuse_unless_open(settings):
    if settings.is_read_only:
        raise CartError("setup_mode")
    if not settings.is_open:
        raise CartError("portal_closed")


def _class_refusal(*, klass, student, family, now, blocked=None):
    from portal.catalog.selectors import class_eligibility
    from portal.families.selectors import blocked_student_ids
    from portal.formatting import format_datetime

    names = {"student": student.first_name, "offering": klass.name}
    if blocked is None:
        blocked = student.pk in blocked_student_ids(family=family)
    eligibility = class_eligibility(
        klass=klass, student=student, blocked=blocked, now=now
    )
    # Timing first: a class not open yet says when it opens.
    for reason in ("not_open", "offline", "too_young", "too_old", "gender", "policy"):
        if reason not in eligibility.reasons:
            continue
        if reason == "not_open":
            opens = format_datetime(klass.registration_opens_at, klass.location)
            raise CartError("not_open", offering=klass.name, opens=opens)
        if reason in ("offline", "gender"):
            raise CartError(reason, offering=klass.name)
        raise CartError(reason, **names)
    today = timezone.localdate(now)
    if klass.season_end < today:
        raise CartError("ended", offering=klass.name)


def _event_refusal(*, event, student, days):
    from portal.families.models import age_in_months

    names = {"student": student.first_name, "offering": event.name}
    if not event.online_enrollment:
        raise CartError("offline", offering=event.name)
    months = age_in_months(student.date_of_birth, event.start_date)
    if months < event.min_age_in_months:
        raise CartError("too_young", **names)
    top = event.max_age_in_months
    if top is not None and months > top:
        raise CartError("too_old", **names)
    if days and event.price_per_day is None:
        raise CartError("days_not_sold", offering=event.name)
    valid = set(camp_days(event))
    for day in days:
        if day not in valid:
            raise CartError("bad_day", day=day, offering=event.name)


def _normal_days(days) -> list[str]:
    return sorted(
        {d.isoformat() if isinstance(d, datetime.date) else str(d) for d in days}
    )


def _already(*, student, klass, event, party_slot, exclude_item_id=None):
    """A refusal when the student already has this offering (enrolled, on
    its waitlist, or in a cart), else None."""
    offering = {"klass": klass, "event": event, "party_slot": party_slot}
    offering = {k: v for k, v in offering.items() if v is not None}
    (row,) = offering.values()
    names = {"student": student.first_name, "offering": getattr(row, "name", str(row))}
    statuses = set(
        Enrollment.objects.filter(
            student=student,
            status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.WAITLIST],
            **offering,
        ).values_list("status", flat=True)
    )
    if EnrollmentStatus.ACTIVE in statuses:
        return CartError("already_enrolled", **names)
    if EnrollmentStatus.WAITLIST in statuses:
        return CartError("already_waitlisted", **names)
    return None


def _quote_total(item, now):
    """The price of `item` as the cart shows it (its place in the cart can
    decide, e.g. who pays a registration fee once)."""
    from .pricing import quote_items

    items = list(
        CartItem.objects.filter(cart_id=item.cart_id)
        .select_related(
            "student",
            "klass__location",
            "klass__program",
            "event__location",
            "party_slot__location",
            "party_package",
        )
        .order_by("created_at", "pk")
    )
    return quote_items(items, now=now)[item.pk].total


# Services -------------------------------------------------------------------


def cart_add(
    *,
    family,
    student,
    klass=None,
    event=None,
    days=(),
    party_slot=None,
    party_package=None,
    waitlist=False,
    blocked_by_policy: bool | None = None,
    by=None,
    now=None,
) -> CartItem:
    """Hold a seat in a class, a camp (whole or chosen days) or a party slot
    for one student, for the organization's reservation time; or, for a full
    class with a waitlist, put a waitlist item in the cart (no seat)."""
    now = now or timezone.now()
    organization = family.organization
    settings = _settings(organization)
    refuse_unless_open(settings)
    if sum(x is not None for x in (klass, event, party_slot)) != 1:
        raise CartError("one_offering")
    if student.family_id != family.pk:
        raise CartError("not_your_student")
    offering = klass or event or party_slot
    if offering.organization_id != organization.pk:
        raise CartError("no_such_offering")
    days = _normal_days(days) if event is not None else []
    if klass is not None:
        _class_refusal(
            klass=klass,
            student=student,
            family=family,
            now=now,
            blocked=blocked_by_policy,
        )
    elif event is not None:
        _event_refusal(event=event, student=student, days=days)
        waitlist = False
    else:
        if party_package is None or party_package.organization_id != organization.pk:
            raise CartError("no_package")
        if party_slot.starts_at <= now:
            raise CartError("slot_past")
        waitlist = False
    if waitlist and not klass.waitlist_allowed:
        raise CartError("no_waitlist", offering=klass.name)

    cart, _created = Cart.objects.get_or_create(
        family=family, defaults={"organization": organization}
    )
    with transaction.atomic():
        model = Class if klass else Event if event else PartySlot
        locked = lock_offering(model, offering.pk)
        refusal = _already(
            student=student, klass=klass, event=event, party_slot=party_slot
        )
        if refusal is not None:
            raise refusal
        mine = CartItem.objects.filter(
            student=student,
            klass=klass,
            event=event,
            party_slot=party_slot,
        ).first()
        if mine is not None:
            if mine.waitlist or mine.expires_at > now:
                raise CartError(
                    "already_in_cart",
                    student=student.first_name,
                    offering=getattr(offering, "name", str(offering)),
                )
            mine.delete()  # an expired hold: counted afresh below
        problem = seat_problem(
            klass=locked if klass else None,
            event=locked if event else None,
            party_slot=locked if party_slot else None,
            days=days,
            now=now,
        )
        name = getattr(offering, "name", str(offering))
        if waitlist and problem is None:
            raise CartError("has_openings", offering=name)
        if problem is not None and not waitlist:
            code, day = problem
            if code == "day_full":
                raise CartError("day_full", offering=name, day=day)
            if klass is not None and klass.waitlist_allowed:
                raise CartError("full_waitlist", offering=name)
            raise CartError("full", offering=name)
        item = CartItem(
            organization=organization,
            cart=cart,
            student=student,
            klass=klass,
            event=event,
            party_slot=party_slot,
            party_package=party_package if party_slot else None,
            days=days,
            waitlist=waitlist,
            status=CartItemStatus.HELD,
            expires_at=now + datetime.timedelta(minutes=settings.reservation_minutes),
        )
        # The related rows were loaded and checked above; the table's
        # constraints are the INSERT's to enforce.
        item.full_clean(
            exclude=[
                "organization",
                "cart",
                "student",
                "klass",
                "event",
                "party_slot",
                "party_package",
            ],
            validate_constraints=False,
        )
        item.save()
        item.quoted_total = _quote_total(item, now)
        item.save(update_fields=["quoted_total"])
    return item


def _family_item(*, family, item_id, for_update=False):
    items = CartItem.objects.filter(cart__family=family, pk=item_id)
    if for_update:
        items = items.select_for_update(of=("self",))
    item = items.select_related("klass", "event", "party_slot").first()
    if item is None:
        raise CartError("not_found")
    return item


def cart_remove(*, family, item_id, now=None) -> None:
    """Let a held seat go (not while its payment is under way)."""
    now = now or timezone.now()
    with transaction.atomic():
        item = _family_item(family=family, item_id=item_id, for_update=True)
        if item.status == CartItemStatus.CHECKOUT and item.expires_at > now:
            raise CartError("in_checkout")
        item.delete()


def cart_renew(*, family, item_id, now=None) -> CartItem:
    """Hold an expired item's seat again, for a full reservation time, when
    a seat is still open. A hold that has not expired stays as it is."""
    now = now or timezone.now()
    settings = _settings(family.organization)
    refuse_unless_open(settings)
    item = _family_item(family=family, item_id=item_id)
    if item.waitlist or item.expires_at > now:
        return item
    with transaction.atomic():
        model = Class if item.klass_id else Event if item.event_id else PartySlot
        offering = item.klass or item.event or item.party_slot
        locked = lock_offering(model, offering.pk)
        item = _family_item(family=family, item_id=item_id, for_update=True)
        if item.status == CartItemStatus.CHECKOUT and item.expires_at > now:
            raise CartError("in_checkout")
        problem = seat_problem(
            klass=locked if item.klass_id else None,
            event=locked if item.event_id else None,
            party_slot=locked if item.party_slot_id else None,
            days=item.days,
            now=now,
            exclude_item_id=item.pk,
        )
        name = getattr(offering, "name", str(offering))
        if problem is not None:
            code, day = problem
            if code == "day_full":
                raise CartError("day_full", offering=name, day=day)
            if item.klass_id and offering.waitlist_allowed:
                raise CartError("full_waitlist", offering=name)
            raise CartError("full", offering=name)
        item.status = CartItemStatus.HELD
        item.expires_at = now + datetime.timedelta(minutes=settings.reservation_minutes)
        item.save(update_fields=["status", "expires_at"])
    return item
