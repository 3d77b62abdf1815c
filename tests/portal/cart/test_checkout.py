"""Checkout: approve, decline, price changes, lost answers, double submits."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled

from portal.billing.models import LedgerEntry, Payment, PaymentMethod
from portal.billing.selectors import family_balance
from portal.cart.checkout import Checkout
from portal.cart.errors import CheckoutError
from portal.cart.models import CartItem
from portal.cart.services import cart_add
from portal.cart.tasks import settle_pending_payments
from portal.catalog.models import Class
from portal.enrollments.models import Enrollment
from portal.families.models import Guardian, PolicyAnswer
from portal.tenancy.models import PortalMode, PortalSettings
from tests.factories import make_family, make_hold, make_organization, make_policy
from tests.factories.billing import make_payment_method
from tests.factories.cart import make_class, make_party

from .fakes import nothing_written, use_fake_gateway

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return make_organization(slug="swim")


@pytest.fixture
def gateway(org, monkeypatch):
    return use_fake_gateway(monkeypatch, org)


@pytest.fixture
def guardian(org):
    return make_family(org, students=("Mia", "Leo"))


@pytest.fixture
def family(guardian):
    return guardian.family


def kid(family, name="Mia"):
    with scopes_disabled():
        return family.students.get(first_name=name)


def pay(guardian, **kw):
    kw.setdefault("idempotency_key", uuid.uuid4().hex)
    if "method" not in kw:
        kw.setdefault("token", "tok_ok")
    return Checkout(family=guardian.family, guardian=guardian, **kw).commit()


def test_approved_checkout_enrolls_charges_pays_and_emails(
    org, gateway, guardian, family, unscoped, django_capture_on_commit_callbacks
):
    klass = make_class(org, capacity=5, tuition="80.00", fee="25.00")
    item = cart_add(family=family, student=kid(family), klass=klass)
    with django_capture_on_commit_callbacks(execute=True):
        result = pay(guardian)
    payment = result.payment
    assert payment.status == "confirmed" and payment.amount == item.quoted_total
    assert (payment.brand, payment.last4) == ("Visa", "4242")
    assert [e.student.first_name for e in result.enrollments] == ["Mia"]
    assert Class.objects.get(pk=klass.pk).seats_taken == 1
    charges = LedgerEntry.objects.filter(family=family, kind="charge")
    assert sum(c.amount for c in charges) == item.quoted_total
    assert LedgerEntry.objects.filter(family=family, kind="payment").count() == 1
    assert family_balance(family=family) == 0
    assert not CartItem.objects.exists()
    assert result.receipt.total == item.quoted_total
    assert gateway.calls == [(payment.idempotency_key, payment.amount)]
    (email,) = mail.outbox
    assert email.to == [guardian.user.email]
    assert "Visa •••• 4242" in email.body
    assert "Registration fee" in email.body and klass.name in email.body
    assert "Visa •••• 4242" in email.alternatives[0][0]


def test_declined_card_keeps_the_holds_and_writes_nothing(
    org, gateway, guardian, family, unscoped
):
    klass = make_class(org)
    item = cart_add(family=family, student=kid(family), klass=klass)
    with pytest.raises(CheckoutError) as error, nothing_written(family):
        pay(guardian, token="tok_declined")
    assert error.value.field == "method"
    assert str(error.value.message) == (
        "The card was declined. Use another card or bank account."
    )
    held = CartItem.objects.get(pk=item.pk)
    assert held.status == "held" and held.expires_at == item.expires_at
    assert Payment.objects.get().status == "failed"


def test_insufficient_funds_says_so(org, gateway, guardian, family, unscoped):
    cart_add(family=family, student=kid(family), klass=make_class(org))
    with pytest.raises(CheckoutError) as error, nothing_written(family):
        pay(guardian, token="tok_nsf")
    assert "insufficient funds" in str(error.value.message)
    assert error.value.field == "method"
    # A new try (a new key) with another card goes through.
    assert pay(guardian).payment.status == "confirmed"


def test_a_changed_price_must_be_confirmed(org, gateway, guardian, family, unscoped):
    klass = make_class(org, tuition="80.00")
    item = cart_add(family=family, student=kid(family), klass=klass)
    Class.objects.filter(pk=klass.pk).update(tuition=Decimal("120.00"))
    with pytest.raises(CheckoutError) as error, nothing_written(family):
        pay(guardian)
    assert error.value.field == "prices"
    new = error.value.prices[item.pk]
    assert new > item.quoted_total
    assert not Payment.objects.exists() and gateway.calls == []
    assert CartItem.objects.get(pk=item.pk).status == "held"
    # What the family saw is still not the price: refused again.
    with pytest.raises(CheckoutError):
        pay(guardian, accepted_prices={item.pk: item.quoted_total})
    result = pay(guardian, accepted_prices={item.pk: new})
    assert result.payment.amount == new


def test_expired_hold_must_find_a_free_seat_again(
    org, gateway, guardian, family, unscoped
):
    klass = make_class(org, capacity=1)
    now = timezone.now()
    item = cart_add(family=family, student=kid(family), klass=klass, now=now)
    later = item.expires_at + datetime.timedelta(minutes=1)
    other = make_family(org, students=("Zed",)).family
    make_hold(
        kid(other, "Zed"), klass=klass, expires_at=later + datetime.timedelta(minutes=9)
    )
    with pytest.raises(CheckoutError) as error, nothing_written(family):
        pay(guardian, now=later)
    assert error.value.code == "hold_lost" and error.value.item_id == item.pk
    assert klass.name in str(error.value.message) and "Mia" in str(error.value.message)
    # Once that hold lapses too, the expired hold finds its seat again.
    much_later = later + datetime.timedelta(minutes=10)
    assert pay(guardian, now=much_later).payment.status == "confirmed"


def test_the_same_key_twice_pays_once(org, gateway, guardian, family, unscoped):
    cart_add(family=family, student=kid(family), klass=make_class(org))
    key = uuid.uuid4().hex
    first = pay(guardian, idempotency_key=key)
    second = pay(guardian, idempotency_key=key)
    assert first.payment.pk == second.payment.pk
    assert len(gateway.calls) == 1
    assert Enrollment.objects.count() == 1
    assert [e.pk for e in second.enrollments] == [e.pk for e in first.enrollments]
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


def test_a_lost_answer_after_approval_completes_exactly_once(
    org, gateway, guardian, family, unscoped
):
    cart_add(family=family, student=kid(family), klass=make_class(org))
    gateway.timeout_after_approval = 1
    key = uuid.uuid4().hex
    result = pay(guardian, idempotency_key=key)
    assert result.payment.status == "confirmed"
    again = pay(guardian, idempotency_key=key)
    assert again.payment.pk == result.payment.pk
    assert len(gateway.charges) == 1 and gateway.refunds == []
    assert Enrollment.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


def test_an_unknown_outcome_stays_pending_until_the_settle_task(
    org, gateway, guardian, family, unscoped
):
    cart_add(family=family, student=kid(family), klass=make_class(org))
    gateway.timeout_after_approval = 1
    gateway.find_unknown = True
    with pytest.raises(CheckoutError) as error:
        pay(guardian)
    assert error.value.code == "pending"
    payment = Payment.objects.get()
    assert payment.status == "pending" and not Enrollment.objects.exists()
    assert CartItem.objects.get().status == "checkout"
    gateway.find_unknown = False
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    settle_pending_payments.call(older_than_minutes=15)
    settle_pending_payments.call(older_than_minutes=15)
    payment.refresh_from_db()
    assert payment.status == "confirmed"
    assert Enrollment.objects.count() == 1 and not CartItem.objects.exists()
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


def test_no_charge_found_after_a_timeout_fails_and_keeps_the_holds(
    org, gateway, guardian, family, unscoped
):
    item = cart_add(family=family, student=kid(family), klass=make_class(org))
    gateway.timeout_before = 1
    with pytest.raises(CheckoutError) as error, nothing_written(family):
        pay(guardian)
    assert error.value.code == "unreachable" and error.value.field == "method"
    assert CartItem.objects.get(pk=item.pk).status == "held"


def test_an_error_after_approval_gives_the_money_back(
    org, gateway, guardian, family, unscoped, monkeypatch
):
    from portal.billing import services as ledger

    item = cart_add(family=family, student=kid(family), klass=make_class(org))

    def broken(**kw):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ledger, "charge_post", broken)
    with pytest.raises(CheckoutError) as error, nothing_written(family):
        pay(guardian)
    assert error.value.code == "voided"
    payment = Payment.objects.get()
    assert payment.status == "voided"
    assert gateway.refunds == [
        ("ch_1", payment.amount, f"{payment.idempotency_key}:void")
    ]
    assert CartItem.objects.get(pk=item.pk).status == "held"
    assert Class.objects.get(pk=item.klass_id).seats_taken == 0


def test_pay_at_the_front_desk_enrolls_and_leaves_the_charges(
    org, guardian, family, unscoped
):
    item = cart_add(family=family, student=kid(family), klass=make_class(org))
    with pytest.raises(CheckoutError) as error, nothing_written(family):
        pay(guardian)
    assert error.value.code == "no_gateway"
    assert "does not accept online payments" in str(error.value.message)
    PortalSettings.objects.filter(organization=org).update(pay_at_front_desk=True)
    result = pay(guardian)
    assert result.payment.amount == 0 and result.receipt.pay_at_front_desk
    assert Enrollment.objects.filter(status="active").count() == 1
    assert family_balance(family=family) == item.quoted_total
    assert not LedgerEntry.objects.filter(kind="payment").exists()


def test_a_zero_checkout_needs_no_gateway(org, gateway, guardian, family, unscoped):
    klass = make_class(org, capacity=1)
    other = make_family(org, students=("Zed",)).family
    cart_add(family=other, student=kid(other, "Zed"), klass=klass)
    cart_add(family=family, student=kid(family), klass=klass, waitlist=True)
    result = pay(guardian, token="")
    assert gateway.calls == []
    (place,) = result.enrollments
    assert place.status == "waitlist"
    assert result.receipt.waitlist == [place]
    assert not LedgerEntry.objects.exists()


def test_party_deposit_is_paid_and_the_balance_is_charged_for_later(
    org, gateway, guardian, family, unscoped
):
    package, slot = make_party(org, price="300.00", deposit="100.00")
    cart_add(family=family, student=kid(family), party_slot=slot, party_package=package)
    result = pay(guardian)
    assert result.payment.amount == Decimal("100.00")
    later = LedgerEntry.objects.get(kind="charge", due_on__isnull=False)
    assert later.amount == Decimal("200.00")
    assert family_balance(family=family) == Decimal("200.00")


def test_setup_mode_refuses_checkout(org, gateway, guardian, family, unscoped):
    cart_add(family=family, student=kid(family), klass=make_class(org))
    PortalSettings.objects.filter(organization=org).update(mode=PortalMode.SETUP)
    with pytest.raises(CheckoutError) as error, nothing_written(family):
        pay(guardian)
    assert error.value.code == "setup_mode"
    assert "booking and checkout are not open yet" in str(error.value.message)


def test_secondary_guardian_pays_only_when_allowed(
    org, gateway, guardian, family, unscoped
):
    cart_add(family=family, student=kid(family), klass=make_class(org))
    second = Guardian.objects.create(
        organization=org,
        family=family,
        first_name="Sam",
        last_name="Two",
        may_make_payments=False,
    )
    with pytest.raises(CheckoutError) as error, nothing_written(family):
        pay(second)
    assert error.value.code == "may_not_pay" and error.value.field == "method"
    Guardian.objects.filter(pk=second.pk).update(may_make_payments=True)
    second.refresh_from_db()
    assert pay(second).payment.guardian == second


def test_wrong_family_guardian_method_or_items(
    org, gateway, guardian, family, unscoped
):
    cart_add(family=family, student=kid(family), klass=make_class(org))
    stranger = make_family(org, students=("Zed",))
    theirs = cart_add(
        family=stranger.family,
        student=kid(stranger.family, "Zed"),
        klass=make_class(org),
    )
    with pytest.raises(CheckoutError) as error:
        Checkout(
            family=family, guardian=stranger, idempotency_key="k1", token="tok_ok"
        ).commit()
    assert error.value.code == "not_your_family"
    their_card = make_payment_method(stranger)
    with pytest.raises(CheckoutError) as error, nothing_written(family):
        pay(guardian, method=their_card)
    assert error.value.code == "bad_method"
    # Another family's item id among the accepted prices changes nothing.
    result = pay(guardian, accepted_prices=None)
    assert CartItem.objects.filter(pk=theirs.pk).exists()
    assert [e.student.first_name for e in result.enrollments] == ["Mia"]
    # And another family cannot read this checkout's outcome by its key.
    with pytest.raises(CheckoutError) as error:
        Checkout(
            family=stranger.family,
            guardian=stranger,
            idempotency_key=result.payment.idempotency_key,
        ).commit()
    assert error.value.code == "not_your_family"


def test_stored_method_and_saving_a_new_one(org, gateway, guardian, family, unscoped):
    cart_add(family=family, student=kid(family), klass=make_class(org))
    card = make_payment_method(
        guardian, token="m_tok_ok", brand="Mastercard", last4="4444"
    )
    result = pay(guardian, method=card)
    assert result.payment.method == card
    assert result.receipt.method_label == "Visa •••• 4242"  # what the gateway said
    cart_add(family=family, student=kid(family, "Leo"), klass=make_class(org))
    result = pay(guardian, token="tok_ok", save_method=True, recurring_authorized=True)
    saved = PaymentMethod.objects.get(guardian=guardian, token="m_tok_ok", last4="4242")
    assert saved.recurring_authorized
    assert result.payment.method == saved


def test_required_policies_are_checked_again(org, gateway, guardian, family, unscoped):
    policy = make_policy(org, title="Pool Rules", required=True, kind="family")
    cart_add(family=family, student=kid(family), klass=make_class(org))
    with pytest.raises(CheckoutError) as error, nothing_written(family):
        pay(guardian)
    assert error.value.field == "policies"
    pay(guardian, policies_accepted=[f"policy_{policy.pk}_f"])
    answer = PolicyAnswer.objects.get(family=family)
    assert answer.accepted and answer.policy_id == policy.pk


def test_an_empty_cart_cannot_check_out(org, gateway, guardian, unscoped):
    with pytest.raises(CheckoutError) as error:
        pay(guardian)
    assert error.value.code == "empty"


def test_settling_after_the_hold_lapsed_and_the_seat_went_refunds_by_key(
    org, gateway, guardian, family, unscoped
):
    klass = make_class(org, capacity=1)
    cart_add(family=family, student=kid(family), klass=klass)
    gateway.timeout_after_approval = 1
    gateway.find_unknown = True
    with pytest.raises(CheckoutError):
        pay(guardian)
    payment = Payment.objects.get()
    assert payment.status == "pending"
    # The checkout's hold lapses; another family takes the last seat.
    CartItem.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    other = make_family(org, students=("Zed",)).family
    cart_add(family=other, student=kid(other, "Zed"), klass=klass)
    gateway.find_unknown = False
    with nothing_written(family):
        settle_pending_payments.call(older_than_minutes=15)
    payment.refresh_from_db()
    assert payment.status == "voided"
    assert [(key, amount) for _ref, amount, key in gateway.refunds] == [
        (f"{payment.idempotency_key}:void", payment.amount)
    ]
    assert not Enrollment.objects.filter(student__family=family).exists()
    assert Class.objects.get(pk=klass.pk).seats_taken == 0
    # Settling again gives nothing back twice.
    settle_pending_payments.call(older_than_minutes=15)
    assert len(gateway.refunds) == 1


def test_settling_after_the_hold_lapsed_enrolls_when_a_seat_is_still_free(
    org, gateway, guardian, family, unscoped
):
    klass = make_class(org, capacity=2)
    cart_add(family=family, student=kid(family), klass=klass)
    gateway.timeout_after_approval = 1
    gateway.find_unknown = True
    with pytest.raises(CheckoutError):
        pay(guardian)
    payment = Payment.objects.get()
    CartItem.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    other = make_family(org, students=("Zed",)).family
    cart_add(family=other, student=kid(other, "Zed"), klass=klass)
    gateway.find_unknown = False
    settle_pending_payments.call(older_than_minutes=15)
    payment.refresh_from_db()
    assert payment.status == "confirmed" and gateway.refunds == []
    assert Enrollment.objects.filter(student__family=family).count() == 1
