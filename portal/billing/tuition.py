"""Tuition billing: a month's tuition posted for every active class
enrollment, then, if the front desk wishes, taken from the families' stored
methods authorized for recurring billing.

What an enrollment owes for a month (`tuition_plan`), with the meeting
calendar and blackouts of the catalog and the proration rule of the cart's
pricing (portal/cart/pricing.py), so the first month a family paid at
checkout and the months billed here follow one rule:

* Tuition per lesson: the tuition × the class's meetings that month on or
  after the enrollment's first day, blackouts left out.
* Tuition per month: the monthly tuition when the enrollment has every
  meeting of the month; otherwise (a first day or a season's start or end
  inside the month) the tuition × its meetings ÷ all the class's weekly
  meetings in that calendar month, blackouts left out of both.
* A month without a meeting (closed all month, outside the season) costs
  nothing and gets no line.
* The month the checkout charged (the month of the first meeting on or after
  the enrollment's first day, for an enrollment with charges of its own) is
  billed already.

Each charge's idempotency key is `tuition:<enrollment id>:<YYYY-MM>`, so an
enrollment's month is posted once however many runs there are; a run's line
for it is unique too (BillingRunLine's `billing_run_line_once`), so two runs
posting at the same moment cannot both count it. A later run of the same
month lists those lines as already billed.

Charging (`tuition_run_charge`) never holds a transaction open across the
gateway call: each family's payment goes through `collect.payment_take`,
which writes its pending Payment, calls the gateway and posts the payment in
short transactions of its own. A decline is listed on the run and e-mailed
to the family by a background task.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from babel import dates as babel_dates
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_scopes import scope, scopes_disabled
from django_tasks import task

from portal.cart.pricing import _meetings_in_month, _month_bounds
from portal.catalog.models import TuitionPeriod
from portal.catalog.selectors import blackouts_for, class_meetings
from portal.enrollments.models import Enrollment, EnrollmentStatus
from portal.formatting import current_locale, format_money

from .errors import BillingError
from .models import (
    BillingRun,
    BillingRunLine,
    BillingRunLineStatus,
    BillingRunPayment,
    BillingRunPaymentStatus,
    BillingRunStatus,
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentMethod,
)
from .money import round_money
from .selectors import with_open_amounts

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
KEY_PREFIX = "tuition:"

MESSAGES = {
    "month_missing": gettext_lazy("Choose the month to bill."),
    "nothing_to_bill": gettext_lazy(
        "No active enrollment has tuition to bill in %(month)s."
    ),
    "already_billed": gettext_lazy(
        "The tuition of every enrollment in %(month)s is already billed: "
        "nothing was posted."
    ),
    "wrong_location": gettext_lazy("Choose one of this organization's locations."),
    "already_charged": gettext_lazy(
        "The families of this run have been charged already."
    ),
    "nothing_posted": gettext_lazy("This run posted no charges: nothing to charge."),
    "no_gateway": gettext_lazy(
        "This organization takes no online payments: set up its payment gateway first."
    ),
}


class TuitionError(Exception):
    """Something the front desk asked that tuition billing refuses; nothing
    was saved."""

    def __init__(self, code, field=None, **params):
        self.code = code
        self.field = field
        self.message = str(MESSAGES[code]) % params if params else MESSAGES[code]
        super().__init__(str(self.message))


def month_label(month: datetime.date) -> str:
    """'March 2026' in the active language."""
    return babel_dates.format_skeleton("yMMMM", month, locale=current_locale())


def charge_key(enrollment_id: int, month: datetime.date) -> str:
    return f"{KEY_PREFIX}{enrollment_id}:{month:%Y-%m}"


# The plan (reads only) --------------------------------------------------------


@dataclass
class PlanLine:
    enrollment: Enrollment
    meetings: int
    amount: Decimal
    description: str
    key: str
    billed: bool = False
    charge_id: int | None = None

    @property
    def student(self):
        return self.enrollment.student

    @property
    def family(self):
        return self.enrollment.student.family

    @property
    def klass(self):
        return self.enrollment.klass


@dataclass
class FamilyPlan:
    family: object
    lines: list[PlanLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines if not line.billed), ZERO)

    @property
    def to_post(self) -> list[PlanLine]:
        return [line for line in self.lines if not line.billed]


@dataclass
class TuitionPlan:
    organization: object
    month: datetime.date
    location: object
    families: list[FamilyPlan]

    @property
    def lines(self) -> list[PlanLine]:
        return [line for family in self.families for line in family.lines]

    @property
    def to_post(self) -> list[PlanLine]:
        return [line for line in self.lines if not line.billed]

    @property
    def billed(self) -> list[PlanLine]:
        return [line for line in self.lines if line.billed]

    @property
    def total(self) -> Decimal:
        return sum((family.total for family in self.families), ZERO)


def _held(meetings):
    return [meeting for meeting in meetings if not meeting.cancelled]


def _tuition(enrollment, *, first, last, blackouts):
    """(meetings, amount, description) of an enrollment's month, or None
    when it has no meeting then."""
    klass = enrollment.klass
    start = max(first, enrollment.starts_on or first)
    held = len(
        _held(class_meetings(klass=klass, start=start, end=last, blackouts=blackouts))
    )
    if not held:
        return None
    month = month_label(first)
    if klass.tuition_period == TuitionPeriod.LESSON:
        amount = round_money(klass.tuition * held)
        text = ngettext(
            "Tuition, %(month)s (%(count)s lesson) – %(class)s",
            "Tuition, %(month)s (%(count)s lessons) – %(class)s",
            held,
        ) % {"month": month, "count": held, "class": klass.name}
        return held, amount, text
    in_month = len(_held(_meetings_in_month(klass, first, last, blackouts)))
    if held >= in_month:
        amount = round_money(klass.tuition)
        text = _("Tuition, %(month)s – %(class)s") % {
            "month": month,
            "class": klass.name,
        }
    else:
        amount = round_money(klass.tuition * held / in_month)
        text = ngettext(
            "Tuition, %(month)s (%(held)s of %(total)s meeting) – %(class)s",
            "Tuition, %(month)s (%(held)s of %(total)s meetings) – %(class)s",
            in_month,
        ) % {"month": month, "held": held, "total": in_month, "class": klass.name}
    return held, amount, text


def _first_month_paid_at_checkout(enrollment, *, first, blackouts) -> bool:
    """True when `first`'s month is the one the enrollment's checkout
    charged: it has no meeting between its first day and this month."""
    starts_on = enrollment.starts_on
    if starts_on is None or starts_on >= first:
        return True
    earlier = class_meetings(
        klass=enrollment.klass,
        start=starts_on,
        end=first - datetime.timedelta(days=1),
        blackouts=blackouts,
    )
    return not _held(earlier)


def tuition_plan(*, organization, month: datetime.date, location=None) -> TuitionPlan:
    """What a billing run of `month` (any day of it) would post: a line per
    active class enrollment with tuition that month, grouped by family (by
    name), each marked `billed` when its month is on the ledger already.
    Nothing is written. A fixed number of queries: the enrollments with
    their classes and schedules, the blackouts, the keys already used and
    the enrollments' own charges."""
    first, last = _month_bounds(month)
    enrollments = (
        Enrollment.objects.filter(
            organization=organization,
            status=EnrollmentStatus.ACTIVE,
            klass__isnull=False,
            klass__tuition__gt=0,
            klass__season_start__lte=last,
            klass__season_end__gte=first,
        )
        .exclude(starts_on__gt=last)
        .select_related("student__family", "klass__location")
        .prefetch_related("klass__schedules")
        .order_by(
            "student__family__name",
            "student__family_id",
            "student__first_name",
            "klass__name",
            "pk",
        )
    )
    if location is not None:
        enrollments = enrollments.filter(klass__location=location)
    enrollments = list(enrollments)
    ids = [enrollment.pk for enrollment in enrollments]
    starts = [e.starts_on for e in enrollments if e.starts_on and e.starts_on < first]
    blackouts = blackouts_for(
        organization=organization, start=min([first, *starts]), end=last
    )
    keys = {charge_key(pk, first): pk for pk in ids}
    used = dict(
        LedgerEntry.objects.filter(
            organization=organization, idempotency_key__in=list(keys)
        ).values_list("idempotency_key", "pk")
    )
    # Enrollments with charges of their own (their checkout's): the month of
    # their first meeting was paid then.
    charged_at_enrollment = set(
        LedgerEntry.objects.filter(
            organization=organization,
            enrollment_id__in=ids,
            kind=EntryKind.CHARGE,
        )
        .exclude(idempotency_key__startswith=KEY_PREFIX)
        .values_list("enrollment_id", flat=True)
    )
    families: dict[int, FamilyPlan] = {}
    for enrollment in enrollments:
        tuition = _tuition(enrollment, first=first, last=last, blackouts=blackouts)
        if tuition is None:
            continue
        meetings, amount, description = tuition
        if amount <= 0:
            continue
        key = charge_key(enrollment.pk, first)
        line = PlanLine(
            enrollment=enrollment,
            meetings=meetings,
            amount=amount,
            description=description[:200],
            key=key,
        )
        if key in used:
            line.billed, line.charge_id = True, used[key]
        elif enrollment.pk in charged_at_enrollment and _first_month_paid_at_checkout(
            enrollment, first=first, blackouts=blackouts
        ):
            line.billed = True
        family = enrollment.student.family
        families.setdefault(family.pk, FamilyPlan(family=family)).lines.append(line)
    return TuitionPlan(
        organization=organization,
        month=first,
        location=location,
        families=list(families.values()),
    )


# Posting ---------------------------------------------------------------------


def _line(run, plan_line, *, status, charge_id):
    line = BillingRunLine(
        organization_id=run.organization_id,
        run=run,
        family=plan_line.family,
        student=plan_line.student,
        enrollment=plan_line.enrollment,
        month=run.month,
        status=status,
        charge_id=charge_id,
        description=plan_line.description,
        meetings=plan_line.meetings,
        amount=plan_line.amount,
    )
    line.full_clean(
        exclude=["organization", "run", "family", "student", "enrollment", "charge"],
        validate_constraints=False,
    )
    return line


def tuition_run_post(
    *,
    organization,
    month: datetime.date | None,
    idempotency_key: str,
    location=None,
    by=None,
    now=None,
) -> BillingRun:
    """Post the month's tuition: a charge per enrollment not billed yet, and
    the run that lists them (and those billed before). One transaction: a
    run posts all its charges or none. The same `idempotency_key` again (a
    form sent twice) returns the first run. Raises TuitionError and saves
    nothing when there is nothing left to post."""
    from .services import charge_post

    if month is None:
        raise TuitionError("month_missing", field="month")
    if location is not None and location.organization_id != organization.pk:
        raise TuitionError("wrong_location", field="location")
    now = now or timezone.now()
    earlier = BillingRun.objects.filter(
        organization=organization, idempotency_key=idempotency_key
    ).first()
    if earlier is not None:
        return earlier
    first = _month_bounds(month)[0]
    label = month_label(first)
    with transaction.atomic():
        plan = tuition_plan(organization=organization, month=first, location=location)
        if not plan.lines:
            raise TuitionError("nothing_to_bill", field="month", month=label)
        if not plan.to_post:
            raise TuitionError("already_billed", field="month", month=label)
        run = BillingRun(
            organization=organization,
            month=first,
            location=location,
            idempotency_key=idempotency_key,
            created_by=by,
            created_at=now,
        )
        run.full_clean(exclude=["organization", "location", "created_by"])
        try:
            with transaction.atomic():
                run.save()
        except IntegrityError:
            # The same form, sent twice at once: the first run stands.
            return BillingRun.objects.get(
                organization=organization, idempotency_key=idempotency_key
            )
        posted, total, already = 0, ZERO, 0
        for plan_line in plan.lines:
            if plan_line.billed:
                _line(
                    run,
                    plan_line,
                    status=BillingRunLineStatus.ALREADY_BILLED,
                    charge_id=plan_line.charge_id,
                ).save()
                already += 1
                continue
            enrollment = plan_line.enrollment
            charge = charge_post(
                family=plan_line.family,
                amount=plan_line.amount,
                description=plan_line.description,
                idempotency_key=plan_line.key,
                location=enrollment.klass.location,
                student=plan_line.student,
                enrollment=enrollment,
                due_on=first,
                created_by=by,
                now=now,
            )
            line = _line(
                run, plan_line, status=BillingRunLineStatus.POSTED, charge_id=charge.pk
            )
            try:
                with transaction.atomic():
                    line.save()
            except IntegrityError:
                # Another run posted this month of the enrollment a moment
                # ago (charge_post found its charge by the key).
                line.pk = None
                line.status = BillingRunLineStatus.ALREADY_BILLED
                line.save()
                already += 1
                continue
            posted += 1
            total += plan_line.amount
        if not posted:
            raise TuitionError("already_billed", field="month", month=label)
        run.posted_count, run.already_billed_count, run.total = posted, already, total
        run.save(update_fields=["posted_count", "already_billed_count", "total"])
    return run


# Charging ------------------------------------------------------------------


def recurring_methods(*, organization, family_ids) -> dict:
    """{family id: the stored method its tuition is taken from}: a method
    authorized for recurring billing, the primary guardian's first, each
    guardian's default first. One query."""
    methods = {}
    for method in (
        PaymentMethod.objects.filter(
            organization=organization,
            guardian__family_id__in=list(family_ids),
            recurring_authorized=True,
        )
        .select_related("guardian")
        .order_by("-guardian__is_primary", "-is_default", "created_at", "pk")
    ):
        methods.setdefault(method.guardian.family_id, method)
    return methods


def payment_key(run, family_id) -> str:
    return f"tuition-pay:{run.pk}:{family_id}"


def tuition_run_charge(*, run: BillingRun, by=None, now=None) -> list:
    """Take each family's tuition posted by `run` from its stored method
    authorized for recurring billing (what is still open of those charges).

    Call it with no transaction open: every family's payment is its own
    short transactions around the gateway call (collect.payment_take). A
    payment's key is made of the run and the family, so charging again after
    an interruption never takes money twice. Declines are kept on the run
    and e-mailed to the family. Returns the run's BillingRunPayment rows."""
    from .collect import PaymentDeclined, payment_take
    from .gateways import gateway_for

    now = now or timezone.now()
    organization = run.organization
    if run.status == BillingRunStatus.CHARGED:
        raise TuitionError("already_charged")
    if not run.posted_count:
        raise TuitionError("nothing_posted")
    if gateway_for(organization) is None:
        raise TuitionError("no_gateway")
    lines = list(
        BillingRunLine.objects.filter(run=run, status=BillingRunLineStatus.POSTED)
        .select_related("family")
        .order_by("family__name", "family_id", "pk")
    )
    charges = {
        charge.pk: charge
        for charge in with_open_amounts(
            LedgerEntry.objects.filter(
                organization=organization, pk__in=[line.charge_id for line in lines]
            )
        )
    }
    by_family: dict[int, list] = {}
    for line in lines:
        by_family.setdefault(line.family_id, []).append(line)
    methods = recurring_methods(organization=organization, family_ids=by_family)
    done = {
        row.family_id: row
        for row in BillingRunPayment.objects.filter(run=run).exclude(
            status=BillingRunPaymentStatus.PENDING
        )
    }
    for family_id, family_lines in by_family.items():
        if family_id in done:
            continue
        family = family_lines[0].family
        open_charges = [
            charges[line.charge_id]
            for line in family_lines
            if charges[line.charge_id].open_amount > 0
        ]
        due = sum((charge.open_amount for charge in open_charges), ZERO)
        method = methods.get(family_id)
        row, _created = BillingRunPayment.objects.get_or_create(
            run=run,
            family=family,
            defaults={
                "organization": organization,
                "method": method,
                "amount": due,
                "created_at": now,
            },
        )
        if due <= 0:
            row.status = BillingRunPaymentStatus.NOTHING_DUE
        elif method is None:
            row.status = BillingRunPaymentStatus.NO_METHOD
        if row.status != BillingRunPaymentStatus.PENDING:
            row.save(update_fields=["status"])
            continue
        key = payment_key(run, family_id)
        try:
            payment = payment_take(
                family=family,
                amount=due,
                idempotency_key=key,
                purpose="tuition",
                charges=open_charges,
                method=method,
                location=run.location,
                by=by,
                off_session=True,
                now=now,
            )
        except PaymentDeclined as error:
            row.status = BillingRunPaymentStatus.DECLINED
            row.failure_message = str(error.message)[:200]
        except BillingError as error:
            if error.code in ("unreachable", "pending"):
                # The gateway's answer is not known yet: the Payment stays
                # pending, the settle job finishes it, the run shows it.
                logger.warning("Tuition payment %s: %s", key, error.code)
            else:
                # The method cannot be charged (no longer accepted ...): for
                # the front desk and the family to follow up like a decline.
                row.status = BillingRunPaymentStatus.DECLINED
                row.failure_message = str(error.message)[:200]
        else:
            row.status = BillingRunPaymentStatus.APPROVED
            row.payment = payment
        if row.payment_id is None:
            row.payment = Payment.objects.filter(
                organization=organization, idempotency_key=key
            ).first()
        row.method = method
        row.amount = due
        row.save(
            update_fields=["status", "failure_message", "payment", "method", "amount"]
        )
        if row.status == BillingRunPaymentStatus.DECLINED:
            send_tuition_declined.enqueue(
                run_payment_id=row.pk, language=translation.get_language()
            )
    run.status = BillingRunStatus.CHARGED
    run.charged_at, run.charged_by = now, by
    run.save(update_fields=["status", "charged_at", "charged_by"])
    return list(BillingRunPayment.objects.filter(run=run).order_by("pk"))


# The e-mail to a family whose payment was declined ---------------------------


def _family_email(family) -> str | None:
    from portal.families.models import ContactEmail, Guardian

    guardian = (
        Guardian.objects.filter(family=family, user__isnull=False)
        .select_related("user")
        .order_by("-is_primary", "pk")
        .first()
    )
    if guardian is not None and guardian.user.email:
        return guardian.user.email
    return (
        ContactEmail.objects.filter(family=family)
        .values_list("email", flat=True)
        .first()
    )


def declined_context(row: BillingRunPayment) -> dict:
    """Plain strings for the e-mail's templates."""
    from portal.accounts.emails import site_url

    organization = row.organization
    method = ""
    if row.method is not None:
        method = _("%(brand)s ending in %(last4)s") % {
            "brand": row.method.brand,
            "last4": row.method.last4,
        }
    return {
        "family_name": row.family.name,
        "month": month_label(row.run.month),
        "amount": format_money(row.amount, organization.currency),
        "method": method,
        "reason": row.failure_message,
        "payments_url": site_url()
        + reverse("billing:payments", kwargs={"org_slug": organization.slug}),
    }


@task()
def send_tuition_declined(*, run_payment_id, language=None):
    """E-mail a family that its tuition could not be taken from its stored
    method, once (the row records when)."""
    from portal.accounts.emails import deliver_portal_email

    with scopes_disabled():
        row = (
            BillingRunPayment.objects.select_related(
                "organization", "run", "family", "method"
            )
            .filter(pk=run_payment_id, status=BillingRunPaymentStatus.DECLINED)
            .first()
        )
    if row is None:
        return
    with (
        scope(organization=row.organization_id),
        translation.override(language or settings.LANGUAGE_CODE),
    ):
        to = _family_email(row.family)
        if not to:
            return
        claimed = BillingRunPayment.objects.filter(
            pk=row.pk, emailed_at__isnull=True
        ).update(emailed_at=timezone.now())
        if not claimed:
            return
        deliver_portal_email(
            organization=row.organization,
            to=to,
            template="tuition_declined",
            context=declined_context(row),
        )
