"""Make Payment and Apply Credit services (portal/billing/collect.py): one
charge per key, nothing posted on a decline, allocation to the chosen
charges only, pending payments finished by the settle job, credit applied
once and never beyond what there is."""

import datetime
import threading
import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from portal.billing.collect import (
    PaymentDeclined,
    PaymentError,
    credit_apply,
    payment_finish,
    payment_take,
)
from portal.billing.errors import BillingError
from portal.billing.gateways import ChargeResult, sandbox
from portal.billing.gateways.sandbox import issue_token
from portal.billing.models import (
    Allocation,
    LedgerEntry,
    Payment,
    PaymentMethod,
    SandboxCharge,
)
from portal.billing.selectors import charge_open_amount, family_totals
from portal.billing.services import charge_post, credit_post, entry_reverse, refund_post
from portal.cart.tasks import settle_pending_payments
from portal.families.services import guardian_add
from portal.tenancy.models import PortalMode, PortalSettings
from tests.factories import make_family, make_organization
from tests.factories.billing import make_gateway_account, make_payment_method

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def org():
    organization = make_organization(slug="swim")
    make_gateway_account(organization)
    return organization


@pytest.fixture
def guardian(org):
    return make_family(org, students=("Ava",))


@pytest.fixture
def family(guardian):
    return guardian.family


def key():
    return uuid.uuid4().hex


def charge(family, amount, description="Tuition"):
    return charge_post(
        family=family,
        amount=D(amount),
        description=description,
        idempotency_key=key(),
    )


def card(org, number="4242424242424242"):
    with scopes_disabled():
        return issue_token(
            organization=org,
            outcome=sandbox.TEST_CARDS[number],
            kind="card",
            brand="Visa",
            last4=number[-4:],
            exp_month=12,
            exp_year=2099,
        ).token


def take(family, guardian, amount, charges, **kw):
    kw.setdefault("idempotency_key", key())
    kw.setdefault("purpose", "balance")
    if "method" not in kw:
        kw.setdefault("token", card(family.organization))
    return payment_take(
        family=family,
        guardian=guardian,
        amount=D(amount),
        charges=charges,
        **kw,
    )


def ledger(family):
    return list(LedgerEntry.objects.filter(family=family).values_list("kind", "amount"))


# Make Payment -----------------------------------------------------------------


def test_payment_pays_exactly_the_chosen_charges(
    org, guardian, family, unscoped, django_capture_on_commit_callbacks
):
    a, b, c = charge(family, "50"), charge(family, "30"), charge(family, "20")
    with django_capture_on_commit_callbacks(execute=True):
        payment = take(family, guardian, "50.00", [c, a])
    assert payment.status == "confirmed" and payment.purpose == "balance"
    assert payment.charge_ids == [c.pk, a.pk]
    assert (payment.brand, payment.last4) == ("Visa", "4242")
    # c in full, then 30 of a; b untouched.
    assert charge_open_amount(c) == 0
    assert charge_open_amount(a) == D("20.00")
    assert charge_open_amount(b) == D("30.00")
    entry = LedgerEntry.objects.get(kind="payment")
    assert entry.payment == payment
    assert sorted(
        (row.charge_id, row.amount) for row in Allocation.objects.filter(source=entry)
    ) == sorted([(c.pk, D("20.00")), (a.pk, D("30.00"))])
    assert family_totals(family=family) == (D("50.00"), D("0.00"))
    # The receipt went to the guardian who paid.
    [receipt] = mail.outbox
    assert receipt.to == [guardian.user.email]


def test_more_than_the_chosen_charges_stays_credit(org, guardian, family, unscoped):
    a, b = charge(family, "10"), charge(family, "40")
    take(family, guardian, "25.00", [a])
    assert charge_open_amount(a) == 0 and charge_open_amount(b) == D("40.00")
    assert family_totals(family=family) == (D("40.00"), D("15.00"))


def test_double_submit_charges_once(org, guardian, family, unscoped):
    a = charge(family, "45")
    same = key()
    token = card(org)
    first = take(family, guardian, "45.00", [a], idempotency_key=same, token=token)
    again = take(family, guardian, "45.00", [a], idempotency_key=same, token=token)
    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    assert SandboxCharge.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="payment").count() == 1
    assert Allocation.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: two connections"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
# Beside the seat race tests (50 connections), never at the same time.
@pytest.mark.xdist_group("many_connections")
def test_two_submits_at_once_charge_once(org, guardian, family, unscoped):
    a = charge(family, "45")
    same = key()
    tokens = [card(org), card(org)]
    outcomes = []

    def submit(token):
        try:
            with scopes_disabled():
                outcomes.append(
                    take(
                        family,
                        guardian,
                        "45.00",
                        [a],
                        idempotency_key=same,
                        token=token,
                    )
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({p.pk for p in outcomes}) == 1
    assert SandboxCharge.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


def test_declined_card_posts_nothing_and_says_why(org, guardian, family, unscoped):
    a = charge(family, "45")
    before = ledger(family)
    same = key()
    with pytest.raises(PaymentDeclined) as error:
        take(
            family,
            guardian,
            "45.00",
            [a],
            idempotency_key=same,
            token=card(org, "4000000000009995"),
        )
    assert error.value.code == "insufficient_funds"
    assert error.value.field == "method"
    assert "insufficient funds" in str(error.value.message)
    assert ledger(family) == before
    assert not Allocation.objects.exists()
    payment = Payment.objects.get()
    assert payment.status == "failed" and payment.failure_code == "insufficient_funds"
    assert mail.outbox == []
    # The same key again answers the same decline, without a second charge.
    with pytest.raises(PaymentDeclined) as again:
        take(family, guardian, "45.00", [a], idempotency_key=same)
    assert again.value.code == "insufficient_funds"
    assert SandboxCharge.objects.count() == 1


def test_stored_method_and_save_new_method(org, guardian, family, unscoped):
    a, b = charge(family, "10"), charge(family, "20")
    method = make_payment_method(guardian, is_default=True)
    paid = take(family, guardian, "10.00", [a], method=method)
    assert paid.method == method and paid.last4 == "4242"
    assert PaymentMethod.objects.count() == 1
    saved = take(family, guardian, "20.00", [b], save_method=True)
    assert saved.status == "confirmed"
    new = PaymentMethod.objects.exclude(pk=method.pk).get()
    assert new.guardian == guardian and new.token.startswith("sandbox_pm_")
    assert saved.method == new


def test_declining_stored_method(org, guardian, family, unscoped):
    a = charge(family, "10")
    method = make_payment_method(guardian, last4="0002")
    with pytest.raises(PaymentDeclined) as error:
        take(family, guardian, "10.00", [a], method=method)
    assert error.value.code == "card_declined"
    assert not LedgerEntry.objects.filter(kind="payment").exists()


def test_refusals_write_nothing(org, guardian, family, unscoped):
    a = charge(family, "10")
    stranger = make_family(org)
    theirs = charge(stranger.family, "10")
    other_method = make_payment_method(stranger)
    cases = [
        ({"charges": [theirs]}, "wrong_family"),
        ({"amount": "0"}, "amount_not_positive"),
        ({"amount": "-5"}, "amount_not_positive"),
        ({"method": other_method}, "bad_method"),
        ({"token": ""}, "no_method"),
    ]
    for changes, code in cases:
        args = {"amount": "10.00", "charges": [a], **changes}
        amount, charges = args.pop("amount"), args.pop("charges")
        with pytest.raises(BillingError) as error:
            take(family, guardian, amount, charges, **args)
        assert error.value.code == code
    assert not Payment.objects.exists()
    assert not SandboxCharge.objects.exists()


def test_secondary_guardian_needs_permission(org, guardian, family, unscoped):
    a = charge(family, "10")
    second = guardian_add(
        actor=guardian, first_name="Sam", last_name="X", relationship="father"
    )
    second.may_make_payments = False
    second.save()
    with pytest.raises(PaymentError) as error:
        take(family, second, "10.00", [a])
    assert error.value.code == "may_not_pay"
    assert not Payment.objects.exists()
    second.may_make_payments = True
    second.save()
    assert take(family, second, "10.00", [a]).guardian == second


def test_no_gateway_and_setup_mode_are_refused(org, guardian, family, unscoped):
    a = charge(family, "10")
    make_gateway_account(org, provider="")
    with pytest.raises(PaymentError) as error:
        take(family, guardian, "10.00", [a])
    assert error.value.code == "no_gateway"
    make_gateway_account(org)
    PortalSettings.objects.filter(organization=org).update(mode=PortalMode.SETUP)
    family.organization.portal_settings.refresh_from_db()
    with pytest.raises(PaymentError) as error:
        take(family, guardian, "10.00", [a])
    assert error.value.code == "setup_mode"
    assert not Payment.objects.exists()


def test_lost_answer_is_looked_up_at_once(org, guardian, family, unscoped):
    a = charge(family, "10")
    with sandbox.simulate_timeout():
        payment = take(family, guardian, "10.00", [a])
    assert payment.status == "confirmed"
    assert charge_open_amount(a) == 0


def test_gateway_error_leaves_the_payment_pending_for_the_settle_job(
    org, guardian, family, unscoped, monkeypatch
):
    a, b = charge(family, "10"), charge(family, "15")
    same = key()
    real_find = sandbox.SandboxGateway.find_charge
    calls = []

    def find_charge(self, **kw):
        # The charge looks its key up first; the lookup after the lost
        # answer finds the gateway down too.
        calls.append(kw)
        if len(calls) == 2:
            raise sandbox.GatewayError("down")
        return real_find(self, **kw)

    monkeypatch.setattr(sandbox.SandboxGateway, "find_charge", find_charge)
    with sandbox.simulate_timeout(), pytest.raises(PaymentError) as error:
        take(family, guardian, "15.00", [b], idempotency_key=same)
    assert error.value.code == "unreachable"
    assert "will not be charged twice" in str(error.value.message)
    payment = Payment.objects.get()
    assert payment.status == "pending"
    assert not LedgerEntry.objects.filter(kind="payment").exists()
    # Asked again with the same key while pending: still pending, no charge.
    monkeypatch.setattr("portal.billing.collect.DUPLICATE_WAIT_SECONDS", 0)
    with pytest.raises(PaymentError) as again:
        take(family, guardian, "15.00", [b], idempotency_key=same)
    assert again.value.code == "pending"
    monkeypatch.undo()
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    outcomes = settle_pending_payments.call(older_than_minutes=15)
    assert outcomes == {payment.pk: "confirmed"}
    settle_pending_payments.call(older_than_minutes=15)
    payment.refresh_from_db()
    assert payment.status == "confirmed"
    # The settle job allocated to the chosen charge only.
    assert charge_open_amount(b) == 0 and charge_open_amount(a) == D("10.00")
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


def test_settle_job_fails_a_payment_the_gateway_never_saw(
    org, guardian, family, unscoped
):
    a = charge(family, "10")
    with (
        sandbox.simulate_timeout(after_approval=False),
        pytest.raises(PaymentError),
    ):
        take(family, guardian, "10.00", [a])
    payment = Payment.objects.get()
    assert payment.status == "pending"
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert settle_pending_payments.call(older_than_minutes=15) == {payment.pk: "failed"}
    assert not LedgerEntry.objects.filter(kind="payment").exists()
    assert charge_open_amount(a) == D("10.00")


def test_payment_finish_leaves_a_finished_payment_alone(
    org, guardian, family, unscoped
):
    a = charge(family, "10")
    payment = take(family, guardian, "10.00", [a])
    again = payment_finish(
        payment=payment, result=ChargeResult(approved=False, code="card_declined")
    )
    assert again.status == "confirmed"
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


def test_off_session_stored_method_without_guardian(org, guardian, family, unscoped):
    a = charge(family, "10")
    method = make_payment_method(guardian, recurring_authorized=True)
    payment = payment_take(
        family=family,
        amount=D("10.00"),
        idempotency_key=key(),
        purpose="tuition",
        charges=[a],
        method=method,
        off_session=True,
    )
    assert payment.status == "confirmed" and payment.purpose == "tuition"
    # A tuition payment sends no Make Payment receipt.
    assert mail.outbox == []


# Apply Credit -------------------------------------------------------------------


def give_credit(family, amount):
    return credit_post(
        family=family, amount=D(amount), reason="Goodwill", idempotency_key=key()
    )


def test_credit_applies_to_the_chosen_charges_only(org, family, unscoped):
    a, b = charge(family, "30"), charge(family, "20")
    give_credit(family, "25")
    allocations = credit_apply(family=family, charges=[b], idempotency_key=key())
    assert [(row.charge_id, row.amount) for row in allocations] == [(b.pk, D("20.00"))]
    assert charge_open_amount(b) == 0 and charge_open_amount(a) == D("30.00")
    assert family_totals(family=family) == (D("30.00"), D("5.00"))
    assert all(row.idempotency_key for row in allocations)


def test_credit_apply_is_idempotent(org, family, unscoped):
    a = charge(family, "30")
    give_credit(family, "10")
    same = key()
    first = credit_apply(family=family, charges=[a], idempotency_key=same)
    give_credit(family, "10")  # new credit arrives before the retry
    again = credit_apply(family=family, charges=[a], idempotency_key=same)
    assert [row.pk for row in again] == [row.pk for row in first]
    assert Allocation.objects.count() == 1
    assert charge_open_amount(a) == D("20.00")


def test_credit_apply_never_over_allocates(org, family, unscoped):
    a, b = charge(family, "30"), charge(family, "30")
    # Two sources, one partly refunded: 15 + 25 - 10 = 30 of credit.
    give_credit(family, "15")
    give_credit(family, "25")
    refund_post(family=family, amount=D("10"), reason="Asked", idempotency_key=key())
    assert family_totals(family=family)[1] == D("30.00")
    rows = credit_apply(family=family, charges=[a, b], idempotency_key=key())
    assert sum(row.amount for row in rows) == D("30.00")
    assert charge_open_amount(a) == 0 and charge_open_amount(b) == D("30.00")
    assert family_totals(family=family) == (D("30.00"), D("0.00"))
    for source in LedgerEntry.objects.filter(kind="credit"):
        assert sum(r.amount for r in source.allocations_out.all()) <= source.amount
    with pytest.raises(PaymentError) as error:
        credit_apply(family=family, charges=[b], idempotency_key=key())
    assert error.value.code == "no_credit"


def test_reversed_credit_is_not_applied(org, family, unscoped):
    a = charge(family, "30")
    credit = give_credit(family, "30")
    entry_reverse(entry=credit, reason="Mistake", idempotency_key=key())
    with pytest.raises(PaymentError) as error:
        credit_apply(family=family, charges=[a], idempotency_key=key())
    assert error.value.code == "no_credit"
    assert not Allocation.objects.exists()


def test_credit_apply_refusals(org, family, unscoped):
    a = charge(family, "30")
    give_credit(family, "50")
    stranger = make_family(org).family
    theirs = charge(stranger, "10")
    with pytest.raises(PaymentError) as error:
        credit_apply(family=family, charges=[], idempotency_key=key())
    assert error.value.code == "no_charges"
    with pytest.raises(PaymentError) as error:
        credit_apply(family=family, charges=[theirs], idempotency_key=key())
    assert error.value.code == "wrong_family"
    credit_apply(family=family, charges=[a], idempotency_key=key())
    with pytest.raises(PaymentError) as error:
        credit_apply(family=family, charges=[a], idempotency_key=key())
    assert error.value.code == "nothing_open"
    assert Allocation.objects.filter(charge=theirs).count() == 0
