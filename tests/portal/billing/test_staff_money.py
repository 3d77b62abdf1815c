"""The front desk's money services (portal/billing/staff.py): refunds through
the gateway or as credit, cash and check payments, charges, credits,
adjustments and reversals, each with its reason and staff member."""

from decimal import Decimal

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from portal.billing import staff
from portal.billing.errors import BillingError
from portal.billing.gateways import GatewayError
from portal.billing.gateways.sandbox import SandboxGateway
from portal.billing.models import (
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentPurpose,
    SandboxCharge,
)
from portal.billing.selectors import family_totals
from tests.factories import make_family, make_organization
from tests.factories.frontdesk import make_card_payment, make_charge, make_role_staff

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture(autouse=True)
def _no_scopes():
    with scopes_disabled():
        yield


@pytest.fixture
def org():
    return make_organization(name="Alpha Swim", slug="alpha")


@pytest.fixture
def desk(org):
    return make_role_staff(org, "front_desk", first_name="Dana", last_name="Desk")


@pytest.fixture
def family(org):
    return make_family(org, last_name="Rivera", students=("Mia",)).family


def ledger(family):
    return list(
        LedgerEntry.objects.filter(family=family)
        .order_by("pk")
        .values_list("kind", "amount", "payment_id")
    )


def sandbox_refunds(org):
    return SandboxCharge.objects.filter(organization=org, operation="refund")


def test_refund_submitted_twice_refunds_once(org, family, desk):
    make_charge(family, "100.00")
    payment = make_card_payment(family, "150.00")
    assert family_totals(family=family) == (D("0.00"), D("50.00"))

    first = staff.payment_refund(
        payment=payment,
        amount=D("30.00"),
        to=staff.REFUND_TO_METHOD,
        reason="Class cancelled",
        idempotency_key="refund-form-1",
        by=desk,
    )
    again = staff.payment_refund(
        payment=payment,
        amount=D("30.00"),
        to=staff.REFUND_TO_METHOD,
        reason="Class cancelled",
        idempotency_key="refund-form-1",
        by=desk,
    )
    assert again.pk == first.pk
    assert first.kind == EntryKind.REFUND
    assert first.amount == D("30.00")
    assert first.created_by == desk
    assert first.reason == "Class cancelled"
    assert first.description == "Refund to Visa ending in 4242"
    assert LedgerEntry.objects.filter(kind=EntryKind.REFUND).count() == 1
    assert sandbox_refunds(org).count() == 1
    assert sandbox_refunds(org).get().amount == D("30.00")
    assert family_totals(family=family) == (D("0.00"), D("20.00"))


def test_refund_after_a_lost_gateway_answer_is_made_once(org, family, desk):
    """The gateway refunded but its answer was lost: the form sent again with
    the same key gets the gateway's first outcome and posts once."""
    payment = make_card_payment(family, "80.00")
    real_refund = SandboxGateway.refund
    calls = []

    def lose_answer(self, **kwargs):
        calls.append(kwargs["idempotency_key"])
        real_refund(self, **kwargs)
        raise GatewayError("answer lost")

    SandboxGateway.refund = lose_answer
    try:
        with pytest.raises(staff.StaffMoneyError) as caught:
            staff.payment_refund(
                payment=payment,
                amount=D("80.00"),
                to=staff.REFUND_TO_METHOD,
                reason="Moved away",
                idempotency_key="refund-form-2",
                by=desk,
            )
    finally:
        SandboxGateway.refund = real_refund
    assert caught.value.code == "gateway_unreachable"
    assert ledger(family) == [(EntryKind.PAYMENT, D("80.00"), payment.pk)]

    entry = staff.payment_refund(
        payment=payment,
        amount=D("80.00"),
        to=staff.REFUND_TO_METHOD,
        reason="Moved away",
        idempotency_key="refund-form-2",
        by=desk,
    )
    assert entry.amount == D("80.00")
    assert sandbox_refunds(org).count() == 1
    assert family_totals(family=family) == (D("0.00"), D("0.00"))


@pytest.mark.parametrize("failure", ["unreachable", "declined"])
def test_gateway_failure_leaves_the_ledger_unchanged_and_says_why(
    org, family, desk, monkeypatch, failure
):
    payment = make_card_payment(family, "60.00")
    before = ledger(family)
    if failure == "unreachable":

        def refund(self, **kwargs):
            raise GatewayError("timeout")

        monkeypatch.setattr(SandboxGateway, "refund", refund)
    else:
        # A charge reference the gateway does not know: it refuses.
        Payment.objects.filter(pk=payment.pk).update(gateway_reference="unknown")
        payment.refresh_from_db()

    with pytest.raises(staff.StaffMoneyError) as caught:
        staff.payment_refund(
            payment=payment,
            amount=D("25.00"),
            to=staff.REFUND_TO_METHOD,
            reason="Overpaid",
            idempotency_key="refund-form-3",
            by=desk,
        )
    message = str(caught.value.message)
    assert "the ledger was not changed" in message
    if failure == "unreachable":
        assert caught.value.code == "gateway_unreachable"
        assert "did not answer" in message
    else:
        assert caught.value.code == "refund_declined"
        assert "No such charge." in message
    assert ledger(family) == before
    assert family_totals(family=family) == (D("0.00"), D("60.00"))


def refund(payment, amount, to, key, by):
    return staff.payment_refund(
        payment=payment,
        amount=D(amount),
        to=to,
        reason="Partial refund",
        idempotency_key=key,
        by=by,
    )


def test_partial_refunds_never_exceed_the_payment(org, family, desk):
    payment = make_card_payment(family, "100.00")
    refund(payment, "60.00", staff.REFUND_TO_METHOD, "r1", desk)
    assert staff.payment_refundable(payment=payment) == D("40.00")
    before = ledger(family)
    with pytest.raises(staff.StaffMoneyError) as caught:
        refund(payment, "40.01", staff.REFUND_TO_METHOD, "r2", desk)
    assert caught.value.code == "refund_exceeds_payment"
    assert caught.value.field == "amount"
    assert "$40.00" in str(caught.value.message)
    # Its money paid no charge: it is credit already, not to be credited twice.
    with pytest.raises(staff.StaffMoneyError) as caught:
        refund(payment, "1.00", staff.REFUND_TO_CREDIT, "r3", desk)
    assert caught.value.code == "credit_exceeds_applied"
    assert ledger(family) == before
    assert sandbox_refunds(org).count() == 1

    refund(payment, "40.00", staff.REFUND_TO_METHOD, "r4", desk)
    assert staff.payment_refundable(payment=payment) == D("0.00")
    assert sandbox_refunds(org).count() == 2
    assert family_totals(family=family) == (D("0.00"), D("0.00"))


def test_refunds_as_credit_never_exceed_what_the_payment_paid(org, family, desk):
    make_charge(family, "100.00")
    payment = make_card_payment(family, "130.00")
    assert family_totals(family=family) == (D("0.00"), D("30.00"))
    refund(payment, "70.00", staff.REFUND_TO_CREDIT, "c1", desk)
    assert staff.payment_refundable(payment=payment, to=staff.REFUND_TO_CREDIT) == D(
        "30.00"
    )
    before = ledger(family)
    with pytest.raises(staff.StaffMoneyError) as caught:
        refund(payment, "30.01", staff.REFUND_TO_CREDIT, "c2", desk)
    assert caught.value.code == "credit_exceeds_applied"
    assert "$30.00" in str(caught.value.message)
    assert ledger(family) == before

    refund(payment, "30.00", staff.REFUND_TO_CREDIT, "c3", desk)
    assert family_totals(family=family) == (D("0.00"), D("130.00"))
    # All of it back to the card now; never more.
    with pytest.raises(staff.StaffMoneyError):
        refund(payment, "130.01", staff.REFUND_TO_METHOD, "c4", desk)
    refund(payment, "130.00", staff.REFUND_TO_METHOD, "c5", desk)
    assert family_totals(family=family) == (D("0.00"), D("0.00"))
    assert sandbox_refunds(org).count() == 1


def test_money_that_paid_a_charge_is_not_refunded_until_freed(org, family, desk):
    charge = make_charge(family, "100.00")
    payment = make_card_payment(family, "100.00")
    before = ledger(family)
    with pytest.raises(staff.StaffMoneyError) as caught:
        staff.payment_refund(
            payment=payment,
            amount=D("40.00"),
            to=staff.REFUND_TO_METHOD,
            reason="Dropped",
            idempotency_key="r-paid",
            by=desk,
        )
    assert caught.value.code == "refund_exceeds_credit"
    assert ledger(family) == before
    assert sandbox_refunds(org).count() == 0

    # Reversing the charge frees the payment as credit; then it refunds.
    staff.staff_entry_reverse(
        family=family,
        entry=charge,
        reason="Class cancelled",
        idempotency_key="rev-1",
        by=desk,
    )
    staff.payment_refund(
        payment=payment,
        amount=D("40.00"),
        to=staff.REFUND_TO_METHOD,
        reason="Dropped",
        idempotency_key="r-paid",
        by=desk,
    )
    assert family_totals(family=family) == (D("0.00"), D("60.00"))


def test_refund_as_credit_needs_no_gateway(org, family, desk, monkeypatch):
    make_charge(family, "100.00")
    payment = make_card_payment(family, "100.00")

    def refund(self, **kwargs):
        raise AssertionError("the gateway is not called for a refund as credit")

    monkeypatch.setattr(SandboxGateway, "refund", refund)
    entry = staff.payment_refund(
        payment=payment,
        amount=D("35.00"),
        to=staff.REFUND_TO_CREDIT,
        reason="Missed lessons",
        idempotency_key="rc-1",
        by=desk,
    )
    assert (entry.kind, entry.amount, entry.payment_id) == (
        EntryKind.CREDIT,
        D("35.00"),
        payment.pk,
    )
    assert entry.created_by == desk and entry.reason == "Missed lessons"
    assert family_totals(family=family) == (D("0.00"), D("35.00"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_gateway_is_called_with_no_transaction_open(monkeypatch):
    with scopes_disabled():
        org = make_organization()
        family = make_family(org, students=("Kai",)).family
        desk = make_role_staff(org, "front_desk")
        payment = make_card_payment(family, "50.00")
        seen = []
        real_refund = SandboxGateway.refund

        def refund(self, **kwargs):
            seen.append(connection.in_atomic_block)
            return real_refund(self, **kwargs)

        monkeypatch.setattr(SandboxGateway, "refund", refund)
        staff.payment_refund(
            payment=payment,
            amount=D("20.00"),
            to=staff.REFUND_TO_METHOD,
            reason="Sibling discount",
            idempotency_key="r-tx",
            by=desk,
        )
    assert seen == [False]


def test_reverse_once(org, family, desk):
    charge = make_charge(family, "45.00")
    reversal = staff.staff_entry_reverse(
        family=family,
        entry=charge,
        reason="Posted twice",
        idempotency_key="v1",
        by=desk,
    )
    again = staff.staff_entry_reverse(
        family=family,
        entry=charge,
        reason="Posted twice",
        idempotency_key="v1",
        by=desk,
    )
    assert again.pk == reversal.pk
    assert (reversal.amount, reversal.reverses_id, reversal.created_by) == (
        D("-45.00"),
        charge.pk,
        desk,
    )
    with pytest.raises(BillingError) as caught:
        staff.staff_entry_reverse(
            family=family, entry=charge, reason="Again", idempotency_key="v2", by=desk
        )
    assert caught.value.code == "already_reversed"
    with pytest.raises(BillingError) as caught:
        staff.staff_entry_reverse(
            family=family, entry=reversal, reason="Undo", idempotency_key="v3", by=desk
        )
    assert caught.value.code == "reversal_of_reversal"
    assert LedgerEntry.objects.filter(family=family).count() == 2
    assert family_totals(family=family) == (D("0.00"), D("0.00"))


def test_another_familys_entry_is_not_reversed(org, family, desk):
    other = make_family(org, last_name="Other").family
    charge = make_charge(other, "20.00")
    with pytest.raises(staff.StaffMoneyError) as caught:
        staff.staff_entry_reverse(
            family=family, entry=charge, reason="x", idempotency_key="v9", by=desk
        )
    assert caught.value.code == "wrong_family"
    assert LedgerEntry.objects.filter(family=other).count() == 1


def test_cash_and_check_payments_record_who_and_why(org, family, desk):
    make_charge(family, "70.00")
    cash = staff.staff_payment_record(
        family=family,
        amount=D("50.00"),
        method=staff.CASH,
        reason="Paid at the desk",
        idempotency_key="p1",
        by=desk,
    )
    again = staff.staff_payment_record(
        family=family,
        amount=D("50.00"),
        method=staff.CASH,
        reason="Paid at the desk",
        idempotency_key="p1",
        by=desk,
    )
    assert again.pk == cash.pk
    assert Payment.objects.filter(family=family).count() == 1
    assert (cash.description, cash.created_by, cash.reason) == (
        "Cash payment",
        desk,
        "Paid at the desk",
    )
    assert cash.payment.purpose == PaymentPurpose.STAFF
    assert cash.payment.created_by == desk

    with pytest.raises(staff.StaffMoneyError) as caught:
        staff.staff_payment_record(
            family=family,
            amount=D("40.00"),
            method=staff.CHECK,
            reason="Mailed",
            idempotency_key="p2",
            by=desk,
        )
    assert caught.value.field == "check_number"
    check = staff.staff_payment_record(
        family=family,
        amount=D("40.00"),
        method=staff.CHECK,
        check_number="1042",
        reason="Mailed",
        idempotency_key="p2",
        by=desk,
    )
    assert check.description == "Check 1042"
    # 70 owed, 90 paid: 20 credit.
    assert family_totals(family=family) == (D("0.00"), D("20.00"))

    # A check is refunded by hand: no gateway call, but the same limits.
    refund = staff.payment_refund(
        payment=check.payment,
        amount=D("20.00"),
        to=staff.REFUND_TO_METHOD,
        reason="Overpaid",
        idempotency_key="p3",
        by=desk,
    )
    assert refund.description == "Refund – check"
    assert sandbox_refunds(org).count() == 0
    assert family_totals(family=family) == (D("0.00"), D("0.00"))


def test_charge_credit_and_adjustment_carry_reason_and_staff(org, family, desk):
    with scopes_disabled():
        mia = family.students.get()
    charge = staff.staff_charge_post(
        family=family,
        amount=D("12.50"),
        description="Lost swim cap",
        reason="Cap not returned",
        idempotency_key="c1",
        by=desk,
        student=mia,
    )
    credit = staff.staff_credit_give(
        family=family,
        amount=D("5.00"),
        reason="Goodwill",
        idempotency_key="c2",
        by=desk,
        apply=True,
    )
    adjustment = staff.staff_adjustment_post(
        family=family,
        amount=D("-2.50"),
        reason="Rounding agreed",
        idempotency_key="c3",
        by=desk,
    )
    for entry, reason in (
        (charge, "Cap not returned"),
        (credit, "Goodwill"),
        (adjustment, "Rounding agreed"),
    ):
        assert entry.created_by == desk and entry.reason == reason
    assert charge.student == mia
    # The credit paid part of the charge; the negative adjustment waits as
    # credit until applied.
    assert family_totals(family=family) == (D("7.50"), D("2.50"))


@pytest.mark.parametrize(
    "call",
    [
        lambda f, by: staff.staff_charge_post(
            family=f,
            amount=D("10"),
            description="Fee",
            reason="  ",
            idempotency_key="e1",
            by=by,
        ),
        lambda f, by: staff.staff_charge_post(
            family=f,
            amount=D("0"),
            description="Fee",
            reason="Why",
            idempotency_key="e2",
            by=by,
        ),
        lambda f, by: staff.staff_credit_give(
            family=f, amount=D("-1"), reason="Why", idempotency_key="e3", by=by
        ),
        lambda f, by: staff.staff_payment_record(
            family=f,
            amount=D("5"),
            method="barter",
            reason="Why",
            idempotency_key="e4",
            by=by,
        ),
    ],
)
def test_bad_input_writes_nothing(org, family, desk, call):
    with pytest.raises(staff.StaffMoneyError) as caught:
        call(family, desk)
    assert caught.value.field in ("reason", "amount", "method")
    assert LedgerEntry.objects.filter(family=family).count() == 0
    assert Payment.objects.filter(family=family).count() == 0


def test_a_student_of_another_family_is_refused(org, family, desk):
    other = make_family(org, students=("Zed",)).family
    with scopes_disabled():
        zed = other.students.get()
    with pytest.raises(staff.StaffMoneyError):
        staff.staff_charge_post(
            family=family,
            amount=D("10"),
            description="Fee",
            reason="Why",
            idempotency_key="s1",
            by=desk,
            student=zed,
        )
    assert LedgerEntry.objects.filter(family=family).count() == 0


def test_money_given_back_is_e_mailed_once(
    org, family, desk, mailoutbox, django_capture_on_commit_callbacks
):
    payment = make_card_payment(family, "90.00")
    for _attempt in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            staff.payment_refund(
                payment=payment,
                amount=D("35.00"),
                to=staff.REFUND_TO_METHOD,
                reason="Class cancelled",
                idempotency_key="refund-mail",
                by=desk,
                base_url="https://desk.example.com",
            )
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [family.guardians.get(is_primary=True).user.email]
    assert "$35.00" in message.body
    assert "https://desk.example.com/portal/alpha/" in message.body


def test_a_saved_card_is_charged_through_the_gateway(org, family, desk):
    from tests.factories.billing import make_gateway_account, make_payment_method

    make_gateway_account(org)
    guardian = family.guardians.get(is_primary=True)
    card = make_payment_method(guardian, last4="4242")
    make_charge(family, "60.00")
    entry = staff.staff_payment_take(
        family=family,
        amount=D("60.00"),
        payment_method=card,
        reason="Called in",
        idempotency_key="take-1",
        by=desk,
    )
    again = staff.staff_payment_take(
        family=family,
        amount=D("60.00"),
        payment_method=card,
        reason="Called in",
        idempotency_key="take-1",
        by=desk,
    )
    assert again.pk == entry.pk
    assert entry.payment.purpose == PaymentPurpose.STAFF
    assert entry.payment.created_by == desk
    assert (
        SandboxCharge.objects.filter(organization=org, operation="charge").count() == 1
    )
    assert family_totals(family=family) == (D("0.00"), D("0.00"))


def test_a_declined_saved_card_says_why_and_posts_nothing(org, family, desk):
    from tests.factories.billing import make_gateway_account, make_payment_method

    make_gateway_account(org)
    guardian = family.guardians.get(is_primary=True)
    card = make_payment_method(guardian, last4="0002")
    make_charge(family, "60.00")
    before = ledger(family)
    with pytest.raises(staff.StaffMoneyError) as caught:
        staff.staff_payment_take(
            family=family,
            amount=D("60.00"),
            payment_method=card,
            reason="Called in",
            idempotency_key="take-2",
            by=desk,
        )
    assert caught.value.code == "payment_declined"
    assert "Your card was declined." in str(caught.value.message)
    assert ledger(family) == before
