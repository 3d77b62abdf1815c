"""The ledger: services that post entries, the sums read back, and the
append-only guarantee (model and queryset everywhere, trigger on PostgreSQL)."""

import itertools
import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django_scopes import scope, scopes_disabled

from portal.billing.errors import BillingError
from portal.billing.models import (
    Allocation,
    AppendOnlyError,
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentStatus,
)
from portal.billing.selectors import (
    charge_open_amount,
    family_balance,
    family_credit,
    family_totals,
    open_charges,
)
from portal.billing.services import (
    adjustment_post,
    charge_post,
    credit_post,
    derived_key,
    entry_reverse,
    payment_post,
    refund_post,
)
from tests.factories import make_family, make_organization

pytestmark = pytest.mark.django_db

postgres_only = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only: row locks and triggers (set DATABASE_URL)",
    ),
]

_keys = itertools.count(1)

D = Decimal


def key(prefix="k"):
    return f"{prefix}-{next(_keys)}"


@pytest.fixture
def org():
    return make_organization()


@pytest.fixture
def family(org):
    return make_family(org, students=("Ava",)).family


@pytest.fixture
def in_scope(org):
    with scope(organization=org):
        yield


def charge(family, amount, **kw):
    return charge_post(
        family=family,
        amount=D(amount),
        description=kw.pop("description", "Tuition"),
        idempotency_key=kw.pop("idempotency_key", None) or key("charge"),
        **kw,
    )


def confirmed_payment(family, amount, *, status=PaymentStatus.CONFIRMED, **kw):
    return Payment.objects.create(
        organization_id=family.organization_id,
        family=family,
        amount=D(amount),
        status=status,
        idempotency_key=kw.pop("idempotency_key", None) or key("checkout"),
        gateway="sandbox",
        brand="Visa",
        last4="4242",
        **kw,
    )


def signed_sum(family):
    return sum(
        (e.signed_amount for e in LedgerEntry.objects.filter(family=family)), D("0")
    )


def allocations_of(entry):
    return [
        (a.charge_id, a.amount)
        for a in Allocation.objects.filter(source=entry).order_by("pk")
    ]


# --- charges -----------------------------------------------------------------


def test_charge_post_writes_a_charge_rounded_half_up(family, in_scope):
    entry = charge(family, "88.005", description="First month's tuition")
    assert entry.kind == EntryKind.CHARGE
    assert entry.amount == D("88.01")
    assert entry.description == "First month's tuition"
    assert family_balance(family=family) == D("88.01")
    assert family_credit(family=family) == D("0")


def test_charge_post_same_key_returns_the_first_entry_and_writes_nothing(
    family, in_scope
):
    first = charge(family, "50", idempotency_key="enroll-1")
    again = charge(family, "50", idempotency_key="enroll-1")
    assert again.pk == first.pk
    assert LedgerEntry.objects.filter(family=family).count() == 1
    assert family_balance(family=family) == D("50.00")


def test_a_key_reused_for_another_kind_of_entry_is_refused(family, in_scope):
    charge(family, "50", idempotency_key="shared")
    with pytest.raises(BillingError) as error:
        credit_post(
            family=family, amount=D("5"), reason="Goodwill", idempotency_key="shared"
        )
    assert error.value.code == "key_reused"
    assert LedgerEntry.objects.count() == 1


def test_keys_are_per_organization(family, unscoped):
    other = make_family(make_organization()).family
    mine = charge(family, "10", idempotency_key="same")
    theirs = charge(other, "20", idempotency_key="same")
    assert mine.pk != theirs.pk
    assert family_balance(family=family) == D("10.00")
    assert family_balance(family=other) == D("20.00")


@pytest.mark.parametrize("amount", ["0", "-5", "0.004"])
def test_charge_of_zero_or_less_is_refused_and_nothing_saved(family, in_scope, amount):
    with pytest.raises(BillingError) as error:
        charge(family, amount)
    assert error.value.code == "amount_not_positive"
    assert error.value.field == "amount"
    assert str(error.value.message) == "Enter an amount above zero."
    assert not LedgerEntry.objects.exists()


def test_a_float_is_never_money(family, in_scope):
    with pytest.raises(TypeError):
        charge_post(
            family=family, amount=9.99, description="x", idempotency_key="float"
        )
    assert not LedgerEntry.objects.exists()


# --- payments and allocations --------------------------------------------------


def test_payment_pays_the_oldest_open_charges_first_rest_is_credit(family, in_scope):
    older = charge(family, "30")
    newer = charge(family, "50")
    entry = payment_post(payment=confirmed_payment(family, "100"))
    assert entry.kind == EntryKind.PAYMENT
    assert entry.amount == D("100.00")
    assert entry.description == "Payment – Visa ending in 4242"
    assert allocations_of(entry) == [(older.pk, D("30.00")), (newer.pk, D("50.00"))]
    assert family_balance(family=family) == D("0")
    assert family_credit(family=family) == D("20.00")
    assert list(open_charges(family=family)) == []


def test_payment_smaller_than_the_charges_leaves_the_newest_partly_open(
    family, in_scope
):
    older = charge(family, "30")
    newer = charge(family, "50")
    entry = payment_post(payment=confirmed_payment(family, "45"))
    assert allocations_of(entry) == [(older.pk, D("30.00")), (newer.pk, D("15.00"))]
    assert charge_open_amount(older) == D("0")
    assert charge_open_amount(newer) == D("35.00")
    assert [(c.pk, c.open_amount) for c in open_charges(family=family)] == [
        (newer.pk, D("35.00"))
    ]
    assert family_balance(family=family) == D("35.00")
    assert family_credit(family=family) == D("0")


def test_payment_to_given_charges_in_the_order_given(family, in_scope):
    first = charge(family, "30")
    second = charge(family, "50")
    third = charge(family, "40")
    entry = payment_post(
        payment=confirmed_payment(family, "60"), charges=[third, first]
    )
    assert allocations_of(entry) == [(third.pk, D("40.00")), (first.pk, D("20.00"))]
    assert charge_open_amount(second) == D("50.00")


def test_payment_never_pays_more_than_a_charge_still_owes(family, in_scope):
    tuition = charge(family, "80")
    payment_post(payment=confirmed_payment(family, "50"), charges=[tuition])
    second = payment_post(payment=confirmed_payment(family, "50"), charges=[tuition])
    assert allocations_of(second) == [(tuition.pk, D("30.00"))]
    assert charge_open_amount(tuition) == D("0")
    assert family_credit(family=family) == D("20.00")
    # A charge already paid takes nothing more.
    third = payment_post(payment=confirmed_payment(family, "10"), charges=[tuition])
    assert allocations_of(third) == []
    assert family_credit(family=family) == D("30.00")


def test_payment_post_twice_writes_once(family, in_scope):
    tuition = charge(family, "80")
    payment = confirmed_payment(family, "80", idempotency_key="checkout-xyz")
    first = payment_post(payment=payment)
    again = payment_post(payment=payment)
    assert again.pk == first.pk
    assert first.idempotency_key == "payment:checkout-xyz"
    assert LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).count() == 1
    assert Allocation.objects.count() == 1
    assert charge_open_amount(tuition) == D("0")


def test_a_key_longer_than_the_column_is_stored_as_a_stable_digest(family, in_scope):
    long = "checkout-" + "x" * 100
    first = charge(family, "10", idempotency_key=long)
    again = charge(family, "10", idempotency_key=long)
    assert again.pk == first.pk
    assert len(first.idempotency_key) <= 80
    assert LedgerEntry.objects.count() == 1


def test_a_long_payment_key_derives_a_stable_short_key():
    long = "c" * 80
    assert derived_key("payment", long) == derived_key("payment", long)
    assert len(derived_key("payment", long)) <= 80
    assert derived_key("payment", long) != derived_key("payment", "d" * 80)
    assert derived_key("payment", "abc") == "payment:abc"


@pytest.mark.parametrize(
    "status", [PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.VOIDED]
)
def test_only_a_confirmed_payment_is_posted(family, in_scope, status):
    charge(family, "10")
    with pytest.raises(BillingError) as error:
        payment_post(payment=confirmed_payment(family, "10", status=status))
    assert error.value.code == "payment_not_confirmed"
    assert not LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).exists()


def test_payment_cannot_pay_another_familys_charge(org, family, in_scope):
    other = make_family(org).family
    theirs = charge(other, "10")
    with pytest.raises(BillingError) as error:
        payment_post(payment=confirmed_payment(family, "10"), charges=[theirs])
    assert error.value.code == "wrong_family"
    assert not LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).exists()
    assert not Allocation.objects.exists()
    assert charge_open_amount(theirs) == D("10.00")


def test_payment_is_applied_to_charges_only(family, in_scope):
    credit = credit_post(
        family=family, amount=D("5"), reason="Goodwill", idempotency_key=key()
    )
    with pytest.raises(BillingError) as error:
        payment_post(payment=confirmed_payment(family, "10"), charges=[credit])
    assert error.value.code == "not_a_charge"
    assert not LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).exists()


# --- credits, refunds, adjustments ------------------------------------------------


def test_credit_waits_unless_applied(family, in_scope):
    tuition = charge(family, "40")
    credit_post(
        family=family, amount=D("15"), reason="Missed lesson", idempotency_key=key()
    )
    assert family_balance(family=family) == D("40.00")
    assert family_credit(family=family) == D("15.00")
    applied = credit_post(
        family=family,
        amount=D("10"),
        reason="Sibling discount",
        idempotency_key=key(),
        apply=True,
    )
    assert allocations_of(applied) == [(tuition.pk, D("10.00"))]
    assert family_balance(family=family) == D("30.00")
    assert family_credit(family=family) == D("15.00")


def test_credit_needs_a_reason(family, in_scope):
    with pytest.raises(BillingError) as error:
        credit_post(family=family, amount=D("5"), reason=" ", idempotency_key=key())
    assert error.value.field == "reason"
    assert not LedgerEntry.objects.exists()


def test_refund_gives_back_credit_never_more(family, in_scope):
    charge(family, "30")
    payment = confirmed_payment(family, "50")
    payment_post(payment=payment)
    assert family_credit(family=family) == D("20.00")
    with pytest.raises(BillingError) as error:
        refund_post(
            family=family,
            amount=D("20.01"),
            reason="Overpaid",
            idempotency_key=key(),
            payment=payment,
        )
    assert error.value.code == "refund_exceeds_credit"
    assert not LedgerEntry.objects.filter(kind=EntryKind.REFUND).exists()
    refund = refund_post(
        family=family,
        amount=D("20"),
        reason="Overpaid",
        idempotency_key="refund-1",
        payment=payment,
    )
    assert refund.kind == EntryKind.REFUND and refund.payment == payment
    assert family_credit(family=family) == D("0")
    assert family_balance(family=family) == D("0")
    again = refund_post(
        family=family,
        amount=D("20"),
        reason="Overpaid",
        idempotency_key="refund-1",
        payment=payment,
    )
    assert again.pk == refund.pk
    assert LedgerEntry.objects.filter(kind=EntryKind.REFUND).count() == 1


def test_refund_of_a_payment_never_exceeds_what_is_left_of_it(family, in_scope):
    payment = confirmed_payment(family, "10")
    payment_post(payment=payment)
    credit_post(family=family, amount=D("50"), reason="Promo", idempotency_key=key())
    refund_post(
        family=family,
        amount=D("6"),
        reason="Part",
        idempotency_key=key(),
        payment=payment,
    )
    with pytest.raises(BillingError) as error:
        refund_post(
            family=family,
            amount=D("5"),
            reason="Rest",
            idempotency_key=key(),
            payment=payment,
        )
    assert error.value.code == "refund_exceeds_payment"
    assert family_credit(family=family) == D("54.00")


def test_adjustments_raise_or_lower_what_is_owed(family, in_scope):
    up = adjustment_post(
        family=family, amount=D("12.50"), reason="Late fee", idempotency_key=key()
    )
    assert family_balance(family=family) == D("12.50")
    assert [c.pk for c in open_charges(family=family)] == [up.pk]
    adjustment_post(
        family=family, amount=D("-20"), reason="Correction", idempotency_key=key()
    )
    assert family_balance(family=family) == D("12.50")
    assert family_credit(family=family) == D("20.00")
    with pytest.raises(BillingError) as error:
        adjustment_post(
            family=family, amount=D("0"), reason="Nothing", idempotency_key=key()
        )
    assert error.value.code == "adjustment_zero"


# --- reversals ---------------------------------------------------------------------


def test_reversing_a_charge_clears_it_and_frees_what_paid_it(family, in_scope):
    tuition = charge(family, "40")
    payment_post(payment=confirmed_payment(family, "40"))
    reversal = entry_reverse(entry=tuition, reason="Dropped", idempotency_key="rev-1")
    assert reversal.reverses == tuition
    assert reversal.kind == EntryKind.ADJUSTMENT
    assert reversal.amount == D("-40.00")
    assert charge_open_amount(tuition) == D("0")
    assert family_balance(family=family) == D("0")
    assert family_credit(family=family) == D("40.00")
    # The original row is untouched.
    tuition.refresh_from_db()
    assert tuition.amount == D("40.00")


def test_reversing_a_payment_reopens_the_charges_it_paid(family, in_scope):
    tuition = charge(family, "40")
    paid = payment_post(payment=confirmed_payment(family, "40"))
    assert family_balance(family=family) == D("0")
    entry_reverse(entry=paid, reason="Bank returned it", idempotency_key=key())
    assert charge_open_amount(tuition) == D("40.00")
    assert family_balance(family=family) == D("40.00")
    assert family_credit(family=family) == D("0")


def test_an_entry_is_reversed_once_and_a_reversal_never(family, in_scope):
    tuition = charge(family, "40")
    reversal = entry_reverse(entry=tuition, reason="Dropped", idempotency_key="r1")
    assert entry_reverse(entry=tuition, reason="Dropped", idempotency_key="r1") == (
        reversal
    )
    with pytest.raises(BillingError) as error:
        entry_reverse(entry=tuition, reason="Again", idempotency_key="r2")
    assert error.value.code == "already_reversed"
    with pytest.raises(BillingError) as error:
        entry_reverse(entry=reversal, reason="Undo", idempotency_key="r3")
    assert error.value.code == "reversal_of_reversal"
    assert LedgerEntry.objects.count() == 2


def test_balance_less_credit_is_always_the_signed_sum(family, in_scope):
    a = charge(family, "30")
    b = charge(family, "45.50")
    p1 = payment_post(payment=confirmed_payment(family, "50"))
    credit_post(family=family, amount=D("7"), reason="Promo", idempotency_key=key())
    entry_reverse(entry=b, reason="Dropped", idempotency_key=key())
    adjustment_post(family=family, amount=D("3"), reason="Fee", idempotency_key=key())
    refund_post(family=family, amount=D("5"), reason="Back", idempotency_key=key())
    entry_reverse(entry=p1, reason="Returned", idempotency_key=key())
    owed, credit = family_totals(family=family)
    assert owed >= 0 and credit >= 0
    assert owed - credit == signed_sum(family)
    assert charge_open_amount(a) == D("30.00")


def test_sums_are_read_in_a_fixed_number_of_queries(
    family, in_scope, django_assert_num_queries
):
    def read():
        with django_assert_num_queries(2):
            family_totals(family=family)
        with django_assert_num_queries(1):
            list(open_charges(family=family))

    charge(family, "10")
    read()
    for _ in range(6):
        charge(family, "10")
    payment_post(payment=confirmed_payment(family, "35"))
    credit_post(family=family, amount=D("2"), reason="x", idempotency_key=key())
    read()
    assert family_balance(family=family) == D("35.00")


def test_another_familys_entries_never_count(org, family, in_scope):
    other = make_family(org).family
    charge(other, "99")
    payment_post(payment=confirmed_payment(other, "120"))
    assert family_totals(family=family) == (D("0"), D("0"))
    assert list(open_charges(family=family)) == []


# --- append-only --------------------------------------------------------------------


def test_ledger_rows_refuse_update_and_delete(family, in_scope):
    tuition = charge(family, "40")
    entry = payment_post(payment=confirmed_payment(family, "40"))
    allocation = Allocation.objects.get(source=entry)
    for row in (tuition, allocation):
        row.amount = D("1")
        with pytest.raises(AppendOnlyError):
            row.save()
        with pytest.raises(AppendOnlyError):
            row.delete()
    for model in (LedgerEntry, Allocation):
        with pytest.raises(AppendOnlyError):
            model.objects.filter(organization=family.organization).update(amount=D("1"))
        with pytest.raises(AppendOnlyError):
            model.objects.filter(organization=family.organization).delete()
    tuition.refresh_from_db()
    allocation = Allocation.objects.get(pk=allocation.pk)
    assert tuition.amount == D("40.00")
    assert allocation.amount == D("40.00")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE billing_ledgerentry SET amount = 1",
        "DELETE FROM billing_ledgerentry",
        "UPDATE billing_allocation SET amount = 1",
        "DELETE FROM billing_allocation",
    ],
)
@postgres_only[0]
@postgres_only[1]
def test_postgres_trigger_refuses_raw_update_and_delete(family, in_scope, statement):
    charge(family, "40")
    payment_post(payment=confirmed_payment(family, "40"))
    with pytest.raises(DatabaseError, match="Cannot update or delete"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert LedgerEntry.objects.get(kind=EntryKind.CHARGE).amount == D("40.00")
    assert Allocation.objects.get().amount == D("40.00")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
# Beside the seat race tests (50 connections), never at the same time.
@pytest.mark.xdist_group("many_connections")
@postgres_only[0]
@postgres_only[1]
def test_concurrent_payments_never_pay_the_same_charge_twice():
    """Four requests at once: two post payment A, two post payment B, each
    for the whole of one charge. One payment pays it, the other stays
    credit; each payment is posted once."""
    family = make_family(make_organization()).family
    with scopes_disabled():
        tuition = charge(family, "100")
        payments = [confirmed_payment(family, "100") for _ in range(2)]
    start = threading.Barrier(4)
    errors = []

    def post(payment):
        try:
            with scopes_disabled():
                start.wait(timeout=10)
                payment_post(payment=payment, charges=[tuition])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=post, args=(payment,))
        for payment in payments + payments
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with scopes_disabled():
        assert LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).count() == 2
        assert [a.amount for a in Allocation.objects.all()] == [D("100.00")]
        assert charge_open_amount(tuition) == D("0")
        assert family_totals(family=family) == (D("0"), D("100.00"))
