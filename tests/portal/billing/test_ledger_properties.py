"""Properties of the ledger, over random sequences of postings.

Hypothesis draws sequences of charges, payments (confirmed Payment rows
posted with payment_post, to the oldest charges or to chosen ones), credits
(waiting or applied), partial refunds (on account or against a payment),
adjustments, reversals and replays of an earlier request, and runs them
through portal/billing/services.py. After every step:

- what the family owes less its credit equals the signed sum of its entries,
  which equals the sum of what the steps posted (each amount rounded by the
  one rounding helper), and neither is ever below zero;
- the open parts of the charges add up to what is owed;
- no allocation is more than its charge or its source, and the standing
  allocations into a charge (out of a source) never add up to more than it;
- nothing is ever updated or deleted: every ledger row seen before is still
  there, unchanged, and a refused step writes nothing at all.

Each example runs in a transaction that is rolled back, inside one test.
"""

import datetime
import itertools
import os
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from django_scopes import scope
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from portal.billing.errors import BillingError
from portal.billing.models import (
    BALANCE_SIGN,
    Allocation,
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentStatus,
)
from portal.billing.money import round_money
from portal.billing.selectors import (
    family_balance,
    family_credit,
    family_totals,
    open_charges,
)
from portal.billing.services import (
    adjustment_post,
    charge_post,
    credit_post,
    entry_reverse,
    payment_post,
    refund_post,
)
from tests.factories import make_family, make_organization

pytestmark = pytest.mark.django_db

settings.register_profile(
    "ledger",
    # `make test` runs the same examples every time (a suite that fails at
    # random blocks everyone); PORTICO_HYPOTHESIS_EXPLORE=1 draws new ones,
    # PORTICO_HYPOTHESIS_EXAMPLES sets how many.
    derandomize=os.environ.get("PORTICO_HYPOTHESIS_EXPLORE") != "1",
    max_examples=int(os.environ.get("PORTICO_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    stateful_step_count=12,
    # One family made by the test's fixtures serves every example; each
    # example's rows are rolled back before the next.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

D = Decimal
ZERO = D("0.00")
_keys = itertools.count(1)

# Amounts with a third decimal place go through the rounding helper.
amounts = st.decimals(min_value=D("0.005"), max_value=D("400"), places=3)
cents = st.decimals(min_value=D("0.01"), max_value=D("400"), places=2)
picks = st.integers(min_value=0, max_value=10_000)
share = st.decimals(min_value=D("0.05"), max_value=D("1.25"), places=2)

steps = st.one_of(
    st.tuples(st.just("charge"), amounts),
    st.tuples(st.just("pay"), cents, st.lists(picks, max_size=3)),
    st.tuples(st.just("credit"), amounts, st.booleans()),
    st.tuples(st.just("refund"), share, st.one_of(st.none(), picks)),
    st.tuples(
        st.just("adjust"),
        st.decimals(min_value=D("-300"), max_value=D("300"), places=2),
    ),
    st.tuples(st.just("reverse"), picks),
    st.tuples(st.just("replay"), picks),
)


def key(prefix):
    return f"{prefix}-{next(_keys)}"


class Run:
    """One example: the family, what the steps posted, and the calls that
    succeeded (for replays)."""

    def __init__(self, family):
        self.family = family
        self.now = timezone.now()
        self.expected_sum = ZERO
        self.calls = []  # (function, kwargs) of each posting that was written

    def tick(self):
        self.now += datetime.timedelta(minutes=1)
        return self.now

    def entries(self):
        return list(LedgerEntry.objects.filter(family=self.family).order_by("pk"))

    def call(self, function, **kwargs):
        kwargs["now"] = self.tick()
        entry = function(**kwargs)
        self.calls.append((function, kwargs))
        self.expected_sum += entry.signed_amount
        return entry

    # The steps ---------------------------------------------------------------

    def charge(self, amount):
        entry = self.call(
            charge_post,
            family=self.family,
            amount=amount,
            description="Tuition",
            idempotency_key=key("charge"),
        )
        assert entry.amount == round_money(amount)

    def pay(self, amount, chosen):
        payment = Payment.objects.create(
            organization_id=self.family.organization_id,
            family=self.family,
            amount=amount,
            status=PaymentStatus.CONFIRMED,
            idempotency_key=key("checkout"),
            gateway="sandbox",
            brand="Visa",
            last4="4242",
        )
        debits = [
            entry
            for entry in self.entries()
            if entry.kind == EntryKind.CHARGE
            or (entry.kind == EntryKind.ADJUSTMENT and entry.amount > 0)
        ]
        charges = None
        if chosen and debits:
            charges = [debits[pick % len(debits)] for pick in chosen]
        entry = self.call(payment_post, payment=payment, charges=charges)
        assert entry.amount == amount

    def credit(self, amount, apply):
        self.call(
            credit_post,
            family=self.family,
            amount=amount,
            reason="Goodwill",
            idempotency_key=key("credit"),
            apply=apply,
        )

    def refund(self, fraction, payment_pick):
        """Part of the credit (or, with fraction above 1, more than there is),
        on account or against one of the family's payments."""
        _owed, credit = family_totals(family=self.family)
        amount = round_money(credit * fraction)
        payment = None
        payments = list(
            Payment.objects.filter(family=self.family, entries__isnull=False)
            .distinct()
            .order_by("pk")
        )
        if payment_pick is not None and payments:
            payment = payments[payment_pick % len(payments)]
        if amount <= 0:
            expected = "amount_not_positive"
        elif amount > credit:
            expected = "refund_exceeds_credit"
        elif payment is not None and amount > payment.amount - self.refunded(payment):
            expected = "refund_exceeds_payment"
        else:
            expected = None
        kwargs = {
            "family": self.family,
            "amount": amount,
            "reason": "Returned",
            "idempotency_key": key("refund"),
            "payment": payment,
        }
        if expected is None:
            self.call(refund_post, **kwargs)
        else:
            self.refused(expected, refund_post, **kwargs)

    def refunded(self, payment):
        reversed_ids = set(
            LedgerEntry.objects.filter(
                family=self.family, reverses__isnull=False
            ).values_list("reverses_id", flat=True)
        )
        return sum(
            (
                entry.amount
                for entry in LedgerEntry.objects.filter(
                    payment=payment, kind=EntryKind.REFUND
                )
                if entry.pk not in reversed_ids
            ),
            ZERO,
        )

    def adjust(self, amount):
        kwargs = {
            "family": self.family,
            "amount": amount,
            "reason": "Correction",
            "idempotency_key": key("adjust"),
        }
        if amount == 0:
            self.refused("adjustment_zero", adjustment_post, **kwargs)
        else:
            self.call(adjustment_post, **kwargs)

    def reverse(self, pick):
        entries = self.entries()
        if not entries:
            return
        entry = entries[pick % len(entries)]
        kwargs = {"entry": entry, "reason": "Mistake", "idempotency_key": key("rev")}
        if entry.reverses_id is not None:
            self.refused("reversal_of_reversal", entry_reverse, **kwargs)
        elif any(other.reverses_id == entry.pk for other in entries):
            self.refused("already_reversed", entry_reverse, **kwargs)
        else:
            reversal = self.call(entry_reverse, **kwargs)
            assert reversal.reverses_id == entry.pk
            assert reversal.signed_amount == -entry.signed_amount

    def replay(self, pick):
        """The same request again (same key): the first entry comes back and
        nothing is written."""
        if not self.calls:
            return
        function, kwargs = self.calls[pick % len(self.calls)]
        before = snapshot()
        again = function(**{**kwargs, "now": self.tick()})
        assert snapshot() == before
        assert again.family_id == self.family.pk

    def refused(self, code, function, **kwargs):
        before = snapshot()
        with pytest.raises(BillingError) as error:
            function(**{**kwargs, "now": self.tick()})
        assert error.value.code == code
        assert snapshot() == before


def snapshot():
    """Every ledger row (of every family) as stored."""
    return {
        "entries": {row["id"]: row for row in LedgerEntry.objects.values()},
        "allocations": {row["id"]: row for row in Allocation.objects.values()},
    }


def check_append_only(before, after):
    for table in ("entries", "allocations"):
        for pk, row in before[table].items():
            assert after[table].get(pk) == row, f"{table} row {pk} changed or gone"
        assert len(after[table]) >= len(before[table])


def check_sums(run):
    entries = run.entries()
    signed = sum((entry.signed_amount for entry in entries), ZERO)
    assert signed == run.expected_sum
    assert signed == sum(
        (BALANCE_SIGN[EntryKind(e.kind)] * e.amount for e in entries), ZERO
    )
    owed, credit = family_totals(family=run.family)
    assert owed >= 0 and credit >= 0
    assert owed - credit == signed
    assert family_balance(family=run.family) == owed
    assert family_credit(family=run.family) == credit
    open_total = sum((c.open_amount for c in open_charges(family=run.family)), ZERO)
    assert open_total <= owed
    if credit > 0:
        assert open_total == owed


def check_allocations(run):
    entries = {entry.pk: entry for entry in run.entries()}
    reversed_ids = {e.reverses_id for e in entries.values() if e.reverses_id}
    into, out_of, all_out = {}, {}, {}
    for allocation in Allocation.objects.filter(source__family=run.family):
        charge = entries[allocation.charge_id]
        source = entries[allocation.source_id]
        assert allocation.amount > 0
        assert charge.kind == EntryKind.CHARGE or (
            charge.kind == EntryKind.ADJUSTMENT and charge.amount > 0
        )
        assert source.kind in (EntryKind.PAYMENT, EntryKind.CREDIT) or (
            source.kind == EntryKind.ADJUSTMENT and source.amount < 0
        )
        assert allocation.amount <= charge.amount
        assert allocation.amount <= abs(source.amount)
        all_out[source.pk] = all_out.get(source.pk, ZERO) + allocation.amount
        if {charge.pk, source.pk} & reversed_ids:
            continue
        into[charge.pk] = into.get(charge.pk, ZERO) + allocation.amount
        out_of[source.pk] = out_of.get(source.pk, ZERO) + allocation.amount
    for pk, total in into.items():
        assert total <= entries[pk].amount, f"charge {pk} paid {total}"
    for pk, total in out_of.items():
        assert total <= abs(entries[pk].amount), f"source {pk} gave {total}"
    for pk, total in all_out.items():
        assert total <= abs(entries[pk].amount), f"source {pk} gave {total}"


@pytest.fixture
def family():
    organization = make_organization()
    guardian = make_family(organization, students=("Ava",))
    with scope(organization=organization):
        yield guardian.family


@settings(settings.get_profile("ledger"))
@given(sequence=st.lists(steps, min_size=1, max_size=12))
# Found by this test: on SQLite an open amount came back as
# 0.0199999999999998, not 0.02 (money computed in SQL is rounded to cents).
@example(
    sequence=[
        ("charge", Decimal("0.175")),
        ("charge", Decimal("1.716")),
        ("adjust", Decimal("-0.01")),
        ("credit", Decimal("0.315"), True),
        ("credit", Decimal("1.555"), True),
    ]
)
def test_random_postings_keep_the_ledger_consistent_and_append_only(family, sequence):
    with transaction.atomic():
        run = Run(family)
        before = snapshot()
        for name, *arguments in sequence:
            getattr(run, name)(*arguments)
            after = snapshot()
            check_append_only(before, after)
            before = after
            check_sums(run)
            check_allocations(run)
        transaction.set_rollback(True)
    # The rollback left nothing behind for the next example.
    assert not LedgerEntry.objects.filter(family=family).exists()
