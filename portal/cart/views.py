"""The parent's cart screens: Enroll (add to the cart), the cart with its
reservation timer, checkout and the confirmation.

Views parse the input and call one service or selector; the cart services
decide who may enroll, hold the seats and price the items
(portal.cart.services, portal.cart.checkout, portal.cart.pricing)."""

import uuid
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.accounts.emails import site_url
from portal.catalog import event_selectors
from portal.catalog.models import Event, PartyPackage
from portal.catalog.selectors import class_eligibility, class_for_detail
from portal.families.selectors import policy_items, students_of

from .forms import MESSAGES, AddForm, GatewayTokenForm

# Why a student cannot enroll in a class, by class_eligibility() reason.
REASONS = {
    "too_young": gettext_lazy("Too young for this class"),
    "too_old": gettext_lazy("Too old for this class"),
    "gender": gettext_lazy("This class is for another gender"),
    "offline": gettext_lazy("Enroll at the front desk"),
    "not_open": gettext_lazy("Registration is not open yet"),
    "policy": gettext_lazy("A required student policy was rejected"),
}
UNKNOWN_OFFERING = gettext_lazy(
    "Choose a class, camp or party from the booking pages to enroll."
)


def _url(request, name, **kwargs):
    return reverse(name, kwargs={"org_slug": request.organization.slug, **kwargs})


def _family_required(view):
    """The parent logs in first and comes back to the same page: the whole
    address (with its query) is carried in `next`, which the login view only
    follows within this organization's portal."""
    from functools import wraps

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.family is None:
            login = _url(request, "accounts:login")
            return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapper


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


# Enroll ----------------------------------------------------------------------


@dataclass
class Offering:
    """What the Enroll page is for: a class, a camp or a party package."""

    kind: str
    klass: object = None
    event: object = None
    package: object = None
    days: list = field(default_factory=list)  # a camp's days (Meetings)
    party_days: list = field(default_factory=list)  # open party times by day
    slot: object = None  # the party time asked for in the address

    @property
    def open_days(self):
        return [day.starts_at.date() for day in self.days if not day.cancelled]

    @property
    def slots(self):
        return [time.slot for day in self.party_days for time in day.times]


def _offering(request, source, now):
    """The class, camp or party package named by `source` (GET or POST), of
    this organization; None when there is none such."""
    organization = request.organization
    class_id = _int(source.get("class"))
    if class_id is not None:
        klass = class_for_detail(organization=organization, class_id=class_id, now=now)
        return Offering("class", klass=klass) if klass is not None else None
    event_id = _int(source.get("event"))
    if event_id is not None:
        try:
            event = event_selectors.event_get(
                organization=organization, event_id=event_id
            )
        except Event.DoesNotExist:
            return None
        days = event_selectors.event_days(event=event)
        event.cancelled_by = event_selectors.camp_cancelled_by(days)
        return Offering("event", event=event, days=days)
    package_id = _int(source.get("package"))
    if package_id is not None:
        try:
            package = event_selectors.party_package_get(
                organization=organization, package_id=package_id
            )
        except PartyPackage.DoesNotExist:
            return None
        party_days = event_selectors.party_days_open(
            organization=organization,
            location=request.location,
            package=package,
            now=now,
        )
        offering = Offering("party", package=package, party_days=party_days)
        wanted = _int(source.get("slot"))
        offering.slot = next((s for s in offering.slots if s.pk == wanted), None)
        return offering
    return None


def _students(family, offering, now):
    """The family's students, each with `reasons`: why they cannot be chosen
    (empty when they can)."""
    students = students_of(family=family)
    for student in students:
        if offering.kind == "class":
            eligibility = class_eligibility(
                klass=offering.klass,
                student=student,
                blocked=student.blocked_by_policy,
                now=now,
            )
            codes = eligibility.reasons
        else:
            codes = ("policy",) if student.blocked_by_policy else ()
        student.reasons = [REASONS[code] for code in codes]
    return students


def _class_state(klass, now):
    """What the class's Enroll page offers: 'enroll', 'waitlist', 'full',
    'not_open' or 'offline'."""
    eligibility = class_eligibility(klass=klass, now=now)
    if "offline" in eligibility.reasons:
        return "offline"
    if "not_open" in eligibility.reasons:
        return "not_open"
    if klass.open_seats:
        return "enroll"
    return "waitlist" if klass.waitlist_allowed else "full"


def _event_state(event):
    if event.cancelled_by:
        return "cancelled"
    if not event.online_enrollment:
        return "offline"
    return "enroll" if event.open_seats else "full"


@_family_required
def cart_add(request, org_slug):
    """GET: choose the student (and camp days or party time); POST: hold the
    seat in the cart."""
    from .errors import CartError
    from .services import cart_add as cart_add_service

    now = timezone.now()
    source = request.POST if request.method == "POST" else request.GET
    offering = _offering(request, source, now)
    if offering is None:
        return render(
            request,
            "portal/cart/add.html",
            {"offering": None, "error": UNKNOWN_OFFERING},
            status=404,
        )
    family = request.family
    students = _students(family, offering, now)
    if offering.kind == "class":
        state = _class_state(offering.klass, now)
    elif offering.kind == "event":
        state = _event_state(offering.event)
    else:
        state = "enroll" if offering.slots else "full"
    form = AddForm(
        request.POST if request.method == "POST" else None,
        students=[s for s in students if not s.reasons],
        days=offering.open_days,
        slots=offering.slots if offering.kind == "party" else None,
    )
    error = ""
    if request.method == "POST" and state in ("enroll", "waitlist"):
        if form.is_valid():
            data = form.cleaned_data
            student = next(s for s in students if s.pk == data["student"])
            slot = next((s for s in offering.slots if s.pk == data.get("slot")), None)
            try:
                item = cart_add_service(
                    family=family,
                    student=student,
                    klass=offering.klass,
                    event=offering.event,
                    days=form.chosen_days,
                    party_slot=slot,
                    party_package=offering.package,
                    waitlist=state == "waitlist",
                    # Read with the page's students a moment ago.
                    blocked_by_policy=student.blocked_by_policy,
                    by=request.user,
                    now=now,
                )
            except CartError as exc:
                if exc.field in form.fields:
                    form.add_error(exc.field, str(exc.message))
                else:
                    error = exc.message
            else:
                if item.waitlist:
                    text = _("%(name)s is on the waitlist in your cart.")
                else:
                    text = _("%(name)s's seat is held in your cart.")
                messages.success(request, text % {"name": student.first_name})
                return redirect(_url(request, "cart:cart"))
    elif request.method == "POST":
        error = {
            "full": _("There are no openings left."),
            "not_open": _("Registration is not open yet."),
            "offline": _("Please contact us to enroll."),
            "cancelled": _("This camp is cancelled."),
        }[state]
    chosen_student = _int(
        form.data.get("student") if form.is_bound else request.GET.get("student")
    )
    chosen_slot = (
        _int(form.data.get("slot"))
        if form.is_bound
        else (offering.slot.pk if offering.slot else None)
    )
    context = {
        "offering": offering,
        "state": state,
        "students": students,
        "form": form,
        "error": error,
        "chosen_student": chosen_student,
        "chosen_slot": chosen_slot,
        "chosen_days": form.data.getlist("day") if form.is_bound else [],
        "camp_choice": form.data.get("camp", "whole") if form.is_bound else "whole",
        "location": (offering.klass or offering.event or request).location,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/cart/add.html", context, status=status)


# The cart ---------------------------------------------------------------------


@_family_required
def cart_page(request, org_slug):
    from .selectors import cart_view

    view = cart_view(family=request.family, now=timezone.now())
    return render(request, "portal/cart/cart.html", {"cart": view})


@require_POST
@_family_required
def cart_remove(request, org_slug, item_id):
    from .errors import CartError
    from .services import cart_remove as cart_remove_service

    try:
        cart_remove_service(family=request.family, item_id=item_id)
    except CartError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The item is removed from your cart."))
    return redirect(_url(request, "cart:cart"))


@require_POST
@_family_required
def cart_renew(request, org_slug, item_id):
    from .errors import CartError
    from .services import cart_renew as cart_renew_service

    try:
        cart_renew_service(family=request.family, item_id=item_id, now=timezone.now())
    except CartError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The seat is held for you again."))
    return redirect(_url(request, "cart:cart"))


# Checkout ---------------------------------------------------------------------


def _required_policies(family, cart):
    """Required policies to accept again at checkout: the family's, and the
    student policies of the students in the cart."""
    students = list(
        {entry.item.student_id: entry.item.student for entry in cart.items}.values()
    )
    return [
        item
        for item in policy_items(family=family, students=students)
        if item.policy.required
    ]


def _checkout_context(request, cart, *, posted=None, errors=None):
    from portal.billing.gateways import gateway_for
    from portal.billing.methods import methods_usable

    organization = request.organization
    posted = posted or {}
    gateway = gateway_for(organization)
    methods = methods_usable(guardian=request.guardian) if gateway else []
    policies = _required_policies(request.family, cart)
    accepted = set(posted.get("policies", ()))
    for item in policies:
        item.checked = item.key in accepted
    # A token from the gateway's page kept for the next try, unless the
    # gateway has used it (a payment error); or handed back in the address
    # by its page used without JavaScript.
    token = posted.get("token", "") if "method" not in (errors or {}) else ""
    token = token or request.GET.get("gateway_token", "")[:200]
    default = next(
        (m for m in methods if m.is_default), methods[0] if methods else None
    )
    if token and not posted:
        default = None
    chosen = posted.get("method") or (str(default.pk) if default else "new")
    entry = {}
    if gateway is not None:
        from portal.billing.views import entry_context

        entry = entry_context(organization, return_url=_url(request, "cart:checkout"))
    return {
        **entry,
        "cart": cart,
        "form": GatewayTokenForm(initial={"gateway_token": token}),
        "token_ready": bool(token),
        "gateway": gateway,
        "methods": methods,
        "kinds": entry.get("kinds", []),
        "chosen_method": chosen,
        "save_method": posted.get("save_method", False),
        "policies": policies,
        "price_changed": [entry for entry in cart.items if entry.price_changed],
        "prices_confirmed": posted.get("confirm_prices", False),
        # A new key for every rendering: a double submit of this page carries
        # the same key and pays once; a retry after a decline is a new try.
        "idempotency_key": uuid.uuid4().hex,
        "errors": errors or {},
        "may_pay": request.guardian.is_primary or request.guardian.may_make_payments,
        "pay_at_front_desk": (
            gateway is None and organization.portal_settings.pay_at_front_desk
        ),
    }


@_family_required
def checkout(request, org_slug):
    from .checkout import Checkout
    from .errors import CheckoutError
    from .selectors import cart_view

    now = timezone.now()
    family = request.family
    if request.method != "POST":
        cart = cart_view(family=family, now=now)
        if not cart.items:
            messages.info(request, _("Your cart is empty."))
            return redirect(_url(request, "cart:cart"))
        context = _checkout_context(request, cart)
        return render(request, "portal/cart/checkout.html", context)
    # Posted even with an empty cart: the same page posted again after it
    # went through (a double click, a reload) answers the first outcome.
    # The checkout prices the cart itself; the page is drawn again (and the
    # cart read) only when it cannot go through.
    posted = _checkout_input(request)
    method = None
    if posted["method"] not in ("", "new"):
        from portal.billing.methods import methods_usable

        wanted = _int(posted["method"])
        method = next(
            (m for m in methods_usable(guardian=request.guardian) if m.pk == wanted),
            None,
        )
        if method is None:
            errors = {"method": MESSAGES["method"]}
            cart = cart_view(family=family, now=now)
            context = _checkout_context(request, cart, posted=posted, errors=errors)
            return render(request, "portal/cart/checkout.html", context, status=400)
    try:
        Checkout(
            family=family,
            guardian=request.guardian,
            idempotency_key=posted["idempotency_key"],
            method=method,
            token=posted["token"] if method is None else "",
            save_method=posted["save_method"],
            accepted_prices=posted["prices"] if posted["confirm_prices"] else None,
            policies_accepted=tuple(posted["policies"]),
            by=request.user,
            now=now,
            base_url=site_url(request),
        ).commit()
    except CheckoutError as exc:
        if exc.code == "empty":
            messages.info(request, exc.message)
            return redirect(_url(request, "cart:cart"))
        field = exc.field if exc.field in ("method", "prices", "policies") else "form"
        cart = cart_view(family=family, now=timezone.now())
        context = _checkout_context(
            request, cart, posted=posted, errors={field: exc.message}
        )
        return render(request, "portal/cart/checkout.html", context, status=400)
    return redirect(_url(request, "cart:done", key=posted["idempotency_key"]))


def _checkout_input(request):
    from decimal import Decimal, InvalidOperation

    post = request.POST
    # The prices the page showed, by item id (price_<id>); the checkout
    # compares them with the cart's items and ignores any other id.
    prices = {}
    for name in post:
        item_id = _int(name[len("price_") :]) if name.startswith("price_") else None
        if item_id is None:
            continue
        try:
            price = Decimal(post.get(name, ""))
        except InvalidOperation:
            continue
        if price.is_finite():
            prices[item_id] = price
    return {
        "idempotency_key": (post.get("idempotency_key") or "")[:64],
        "method": post.get("method", ""),
        "token": post.get("gateway_token", ""),
        "save_method": post.get("save_method") == "on",
        "confirm_prices": post.get("confirm_prices") == "on",
        "prices": prices,
        "policies": [
            name[len("accept_") :]
            for name in post
            if name.startswith("accept_policy_") and post.get(name) == "on"
        ],
    }


@_family_required
def checkout_done(request, org_slug, key):
    """The receipt of one of this family's checkouts (404 for any other)."""
    from portal.enrollments.selectors import waitlist_position

    from .selectors import checkout_receipt

    receipt = checkout_receipt(family=request.family, idempotency_key=key)
    if receipt is None:
        raise Http404
    groups = []
    for line in receipt.lines:
        if not groups or (groups[-1]["student"], groups[-1]["offering"]) != (
            line.student,
            line.offering,
        ):
            groups.append({"student": line.student, "offering": line.offering})
            groups[-1]["lines"] = []
        # A charge's description names the offering and student for the
        # ledger ("Registration fee – Sharks (Ava)"); under its item's
        # heading the first part is enough.
        label, _dash, about = line.label.rpartition(" – ")
        line.short_label = (
            label if label and about.startswith(line.offering) else (line.label)
        )
        groups[-1]["lines"].append(line)
    for group in groups:
        group["total"] = sum(line.amount for line in group["lines"])
    for enrollment in receipt.waitlist:
        enrollment.position = waitlist_position(enrollment)
    context = {"receipt": receipt, "groups": groups}
    return render(request, "portal/cart/done.html", context)
