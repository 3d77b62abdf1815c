"""Stored-method services and selectors: three per guardian, the default,
authorization for recurring billing, accepted kinds."""

import datetime

import pytest
from django.utils import timezone

from portal.billing.gateways import sandbox
from portal.billing.methods import (
    MethodError,
    as_stored,
    method_delete,
    method_save,
    method_set_default,
    method_set_recurring,
    methods_for,
    methods_usable,
    protected_method_ids,
)
from portal.billing.models import PaymentMethod, SandboxToken
from portal.families.services import guardian_add
from tests.browser.support import update_portal_settings
from tests.factories import make_family, make_organization
from tests.factories.billing import make_gateway_account, make_payment_method

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    organization = make_organization()
    make_gateway_account(organization)
    return organization


@pytest.fixture
def guardian(org, unscoped):
    return make_family(org)


def token(org, kind="card", outcome="approve", last4=None):
    card = kind == "card"
    return sandbox.issue_token(
        organization=org,
        outcome=outcome,
        kind=kind,
        brand="Visa" if card else sandbox.BANK_NAME,
        last4=last4 or ("4242" if card else "6789"),
        exp_month=12 if card else None,
        exp_year=2099 if card else None,
    ).token


def test_save_keeps_only_the_token_and_the_first_is_default(org, guardian):
    first = method_save(guardian=guardian, token=token(org))
    second = method_save(guardian=guardian, token=token(org))
    assert first.is_default and not second.is_default
    assert first.token.startswith("sandbox_pm_")
    assert (first.brand, first.last4, first.exp_month, first.exp_year) == (
        "Visa",
        "4242",
        12,
        2099,
    )
    assert first.gateway == "sandbox"
    # The one-time token was used up.
    assert (
        SandboxToken.objects.filter(reusable=False, used_at__isnull=True).count() == 0
    )


def test_make_default_moves_the_default(org, guardian):
    first = method_save(guardian=guardian, token=token(org))
    second = method_save(guardian=guardian, token=token(org), make_default=True)
    first.refresh_from_db()
    assert second.is_default and not first.is_default
    assert methods_for(guardian=guardian) == [second, first]


def test_at_most_three(org, guardian):
    for _ in range(3):
        method_save(guardian=guardian, token=token(org))
    spare = token(org)
    with pytest.raises(MethodError) as e:
        method_save(guardian=guardian, token=spare)
    assert e.value.code == "too_many"
    assert PaymentMethod.objects.filter(guardian=guardian).count() == 3
    # Refused before the gateway was asked: the token is still usable.
    assert SandboxToken.objects.get(token=spare).used_at is None


def test_three_per_guardian_not_per_family(org, guardian):
    second = guardian_add(
        actor=guardian, first_name="Sam", last_name="X", relationship="father"
    )
    for _ in range(3):
        make_payment_method(guardian)
    method = method_save(guardian=second, token=token(org))
    assert method.guardian == second and method.is_default


def test_bad_tokens(org, guardian):
    with pytest.raises(MethodError) as e:
        method_save(guardian=guardian, token="")
    assert (e.value.code, e.value.field) == ("token_missing", "gateway_token")
    with pytest.raises(MethodError) as e:
        method_save(guardian=guardian, token="sandbox_tok_unknown")
    assert e.value.code == "token_invalid"
    used = token(org)
    method_save(guardian=guardian, token=used)
    with pytest.raises(MethodError) as e:
        method_save(guardian=guardian, token=used)
    assert e.value.code == "token_invalid"
    assert PaymentMethod.objects.filter(guardian=guardian).count() == 1


def test_gateway_timeout_saves_nothing(org, guardian, monkeypatch):
    from portal.billing.gateways import GatewayError

    def unreachable(self, **kwargs):
        raise GatewayError("timeout")

    monkeypatch.setattr(sandbox.SandboxGateway, "setup_method", unreachable)
    with pytest.raises(MethodError) as e:
        method_save(guardian=guardian, token=token(org))
    assert e.value.code == "gateway_unavailable"
    assert not PaymentMethod.objects.exists()


def test_no_gateway(org, guardian):
    make_gateway_account(org, provider="")
    with pytest.raises(MethodError) as e:
        method_save(guardian=guardian, token=token(org))
    assert e.value.code == "no_gateway"
    assert methods_usable(guardian=guardian) == []


def test_only_accepted_kinds(org, guardian):
    # Bank accounts only where eChecks are accepted (off by default).
    with pytest.raises(MethodError) as e:
        method_save(guardian=guardian, token=token(org, kind="bank"))
    assert e.value.code == "kind_refused"
    assert not PaymentMethod.objects.exists()
    update_portal_settings(org, accept_echecks=True, accept_cards=False)
    guardian.organization.refresh_from_db()
    bank = method_save(guardian=guardian, token=token(org, kind="bank"))
    assert (bank.kind, bank.last4, bank.exp_month) == ("bank", "6789", None)
    with pytest.raises(MethodError) as e:
        method_save(guardian=guardian, token=token(org))
    assert e.value.code == "kind_refused"


def test_methods_usable(org, guardian):
    now = timezone.make_aware(datetime.datetime(2030, 6, 15, 12))
    card = make_payment_method(guardian, is_default=True)
    make_payment_method(guardian, kind="bank", brand="Bank", last4="6789")
    make_payment_method(guardian, exp_month=5, exp_year=2030)  # expired
    make_payment_method(guardian, gateway="stripe")  # another gateway's
    assert methods_usable(guardian=guardian, now=now) == [card]
    june = make_payment_method(guardian, exp_month=6, exp_year=2030)
    assert june in methods_usable(guardian=guardian, now=now)


def test_set_default_and_recurring(org, guardian):
    a = make_payment_method(guardian, is_default=True)
    b = make_payment_method(guardian)
    method_set_default(guardian=guardian, method_id=b.pk)
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.is_default and not a.is_default
    method_set_recurring(guardian=guardian, method_id=a.pk, authorized=True)
    a.refresh_from_db()
    assert a.recurring_authorized
    method_set_recurring(guardian=guardian, method_id=a.pk, authorized=False)
    a.refresh_from_db()
    assert not a.recurring_authorized


def test_another_guardians_method_is_not_found(org, guardian):
    other = make_family(org)
    theirs = make_payment_method(other, is_default=True)
    for call in (
        lambda: method_set_default(guardian=guardian, method_id=theirs.pk),
        lambda: method_delete(guardian=guardian, method_id=theirs.pk),
        lambda: method_set_recurring(
            guardian=guardian, method_id=theirs.pk, authorized=True
        ),
    ):
        with pytest.raises(PaymentMethod.DoesNotExist):
            call()
    theirs.refresh_from_db()
    assert theirs.is_default and not theirs.recurring_authorized


def test_delete_moves_the_default_to_the_oldest(org, guardian):
    a = make_payment_method(guardian, is_default=True)
    b = make_payment_method(guardian)
    c = make_payment_method(guardian)
    method_delete(guardian=guardian, method_id=a.pk)
    b.refresh_from_db()
    c.refresh_from_db()
    assert b.is_default and not c.is_default
    method_delete(guardian=guardian, method_id=c.pk)
    assert methods_for(guardian=guardian) == [b]


def test_required_recurring_method_is_kept(org, guardian):
    update_portal_settings(org, require_recurring_method=True)
    guardian.organization.refresh_from_db()
    only = make_payment_method(guardian, is_default=True, recurring_authorized=True)
    plain = make_payment_method(guardian)
    assert protected_method_ids(guardian=guardian) == {only.pk}
    with pytest.raises(MethodError) as e:
        method_delete(guardian=guardian, method_id=only.pk)
    assert e.value.code == "recurring_required"
    with pytest.raises(MethodError):
        method_set_recurring(guardian=guardian, method_id=only.pk, authorized=False)
    only.refresh_from_db()
    assert only.recurring_authorized
    # A method without the authorization goes freely.
    method_delete(guardian=guardian, method_id=plain.pk)
    # With a second authorized one, either may go.
    another = make_payment_method(guardian, recurring_authorized=True)
    assert protected_method_ids(guardian=guardian) == set()
    method_set_recurring(guardian=guardian, method_id=only.pk, authorized=False)
    assert protected_method_ids(guardian=guardian) == {another.pk}


def test_required_recurring_counts_the_whole_family(org, guardian):
    update_portal_settings(org, require_recurring_method=True)
    guardian.organization.refresh_from_db()
    second = guardian_add(
        actor=guardian, first_name="Sam", last_name="X", relationship="father"
    )
    mine = make_payment_method(guardian, recurring_authorized=True)
    make_payment_method(second, recurring_authorized=True)
    method_delete(guardian=guardian, method_id=mine.pk)
    assert protected_method_ids(guardian=second) != set()


def test_required_recurring_off_allows_everything(org, guardian):
    only = make_payment_method(guardian, is_default=True, recurring_authorized=True)
    assert protected_method_ids(guardian=guardian) == set()
    method_delete(guardian=guardian, method_id=only.pk)
    assert methods_for(guardian=guardian) == []


def test_as_stored_charges_through_the_gateway(org, guardian):
    from decimal import Decimal

    from portal.billing.gateways import gateway_for

    method = method_save(guardian=guardian, token=token(org, outcome="card_declined"))
    result = gateway_for(org).charge(
        amount=Decimal("12.50"),
        currency="USD",
        idempotency_key="m1",
        method=as_stored(method),
    )
    assert result.code == "card_declined" and result.last4 == "4242"
