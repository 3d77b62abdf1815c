"""My Account > Payments, the sandbox gateway's entry page and webhooks."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django_scopes import scopes_disabled

from portal.billing.gateways import gateway_for
from portal.billing.models import PaymentMethod, SandboxToken, WebhookEvent
from portal.families.models import InviteStatus
from portal.families.services import guardian_add
from tests.browser.support import update_portal_settings
from tests.factories import make_family, make_organization
from tests.factories.billing import make_gateway_account, make_payment_method

pytestmark = pytest.mark.django_db

ENTRY = "/gateway/sandbox/entry/"


@pytest.fixture
def org():
    organization = make_organization(slug="swim")
    make_gateway_account(organization)
    return organization


@pytest.fixture
def guardian(org):
    return make_family(org)


@pytest.fixture
def parent(client, guardian):
    client.force_login(guardian.user)
    return client


def payments_url(org):
    return f"/portal/{org.slug}/account/payments/"


def enter_card(client, org, number="4242 4242 4242 4242", expiry="12/99", cvc="123"):
    response = client.post(
        f"{ENTRY}?org={org.slug}&kind=card",
        {"number": number, "expiry": expiry, "cvc": cvc},
    )
    return response


def token_from(response):
    return re.search(r'data-token="([a-z_]+)"', response.content.decode())[1]


def methods(guardian):
    with scopes_disabled():
        return list(PaymentMethod.objects.filter(guardian=guardian))


# The entry page ------------------------------------------------------------


def test_entry_page_issues_a_token_without_the_number(client, org):
    response = enter_card(client, org)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Visa ending in 4242 is ready." in html
    assert "4242424242424242" not in html and "4242 4242 4242 4242" not in html
    assert "no-store" in response["Cache-Control"]
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert "<script>" not in html
    with scopes_disabled():
        row = SandboxToken.objects.get(token=token_from(response))
    assert (row.kind, row.brand, row.last4, row.exp_month, row.exp_year) == (
        "card",
        "Visa",
        "4242",
        12,
        2099,
    )
    assert row.outcome == "approve"
    values = " ".join(str(getattr(row, f.attname)) for f in SandboxToken._meta.fields)
    assert "4242424242424242" not in values


@pytest.mark.parametrize(
    ("number", "outcome"),
    [("4000000000000002", "card_declined"), ("4000000000009995", "insufficient_funds")],
)
def test_declining_test_cards(client, org, number, outcome):
    token = token_from(enter_card(client, org, number=number))
    with scopes_disabled():
        assert SandboxToken.objects.get(token=token).outcome == outcome


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"number": "4242 4242 4242 4241"}, "number", "not valid"),
        ({"number": "1234"}, "number", "13 to 19 digits"),
        ({"number": "5555555555554444"}, "number", "test card numbers"),
        ({"expiry": "01/20"}, "expiry", "This card has expired."),
        ({"expiry": "13/30"}, "expiry", "MM/YY"),
        ({"cvc": "12"}, "cvc", "3-digit security code"),
        ({"cvc": "12a"}, "cvc", "3-digit security code"),
    ],
)
def test_entry_bad_input(client, org, fields, field, message):
    data = {"number": "4242424242424242", "expiry": "12/99", "cvc": "123", **fields}
    response = enter_card(client, org, **data)
    assert response.status_code == 400
    html = response.content.decode()
    # The message is next to its field, which is described by it.
    error = re.search(rf'<ul[^>]*id="id_{field}_error"[^>]*>(.*?)</ul>', html, re.S)
    assert error and message in error[1]
    assert 'data-token="' not in html
    # What was typed is not rendered back.
    assert data["number"] not in html.replace(" ", "")
    assert not SandboxToken.objects.exists()


def test_bank_entry_only_where_echecks_are_accepted(client, org):
    response = client.get(f"{ENTRY}?org={org.slug}&kind=bank")
    # Falls back to the card form; no bank fields.
    assert 'name="routing"' not in response.content.decode()
    update_portal_settings(org, accept_echecks=True)
    response = client.get(f"{ENTRY}?org={org.slug}&kind=bank")
    assert 'name="routing"' in response.content.decode()
    ok = client.post(
        f"{ENTRY}?org={org.slug}&kind=bank",
        {"routing": "110000000", "account": "000123456789"},
    )
    assert "Sandbox Test Bank ending in 6789 is ready." in ok.content.decode()
    closed = client.post(
        f"{ENTRY}?org={org.slug}&kind=bank",
        {"routing": "110000000", "account": "000111111116"},
    )
    with scopes_disabled():
        assert SandboxToken.objects.get(token=token_from(closed)).outcome == (
            "account_closed"
        )
    bad = client.post(
        f"{ENTRY}?org={org.slug}&kind=bank",
        {"routing": "110000001", "account": "12"},
    )
    html = bad.content.decode()
    assert bad.status_code == 400
    assert "9-digit routing number" in html and "4 to 17 digits" in html


def test_entry_page_needs_a_sandbox_organization(client, org):
    assert client.get(f"{ENTRY}?org=nope").status_code == 404
    other = make_organization(slug="gym")
    assert client.get(f"{ENTRY}?org={other.slug}").status_code == 404
    make_gateway_account(other, provider="stripe")
    assert client.get(f"{ENTRY}?org={other.slug}").status_code == 404


def test_entry_full_page_returns_with_the_token(client, org):
    back = payments_url(org)
    response = client.post(
        f"{ENTRY}?org={org.slug}&kind=card&return={back}",
        {"number": "4242424242424242", "expiry": "12/99", "cvc": "123"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"{back}?gateway_token=sandbox_tok_")
    # Another site is never a return address.
    response = client.post(
        f"{ENTRY}?org={org.slug}&kind=card&return=https://evil.example/",
        {"number": "4242424242424242", "expiry": "12/99", "cvc": "123"},
    )
    assert response.status_code == 200


# My Account > Payments -----------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, org):
    response = client.get(payments_url(org))
    assert response.status_code == 302
    assert response["Location"].startswith(f"/portal/{org.slug}/login/")


def test_wrong_tenant_is_404(client, org, guardian):
    other = make_organization(slug="gym")
    make_gateway_account(other)
    client.force_login(guardian.user)
    # The guardian has no family in the other organization: Log In there.
    assert client.get(payments_url(other)).status_code == 302
    with scopes_disabled():
        method = make_payment_method(guardian, is_default=True)
    for action in ("default", "delete", "recurring"):
        url = f"/portal/{other.slug}/account/payments/{method.pk}/{action}/"
        other_parent = make_family(other)
        client.force_login(other_parent.user)
        assert client.post(url).status_code == 404
    method.refresh_from_db()
    assert method.is_default


def test_other_familys_method_is_404(parent, org, guardian):
    stranger = make_family(org)
    theirs = make_payment_method(stranger, is_default=True)
    base = f"{payments_url(org)}{theirs.pk}/"
    assert parent.get(f"{base}delete/").status_code == 404
    for action in ("default", "delete", "recurring"):
        assert parent.post(f"{base}{action}/").status_code == 404
    assert methods(stranger) == [theirs]
    assert "4242" not in parent.get(payments_url(org)).content.decode()


def test_page_lists_the_methods(parent, org, guardian):
    make_payment_method(guardian, is_default=True, exp_month=3, exp_year=2031)
    update_portal_settings(org, accept_echecks=True)
    make_payment_method(
        guardian,
        kind="bank",
        brand="Sandbox Test Bank",
        last4="6789",
        recurring_authorized=True,
    )
    response = parent.get(payments_url(org))
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Visa ···· 4242" in html and "expires 03/2031" in html
    assert "Sandbox Test Bank ···· 6789" in html
    assert "Default" in html
    assert "Authorized for recurring billing" in html
    assert 'class="gateway-frame"' in html
    assert f"{ENTRY}?org=swim&amp;kind=card" in html


def test_no_gateway_says_so(parent, org, guardian):
    make_gateway_account(org, provider="")
    html = parent.get(payments_url(org)).content.decode()
    assert "does not accept online payments" in html
    assert "gateway-frame" not in html


def test_add_a_card(parent, org, guardian):
    token = token_from(enter_card(parent, org))
    response = parent.post(
        f"{payments_url(org)}add/",
        {"gateway_token": token, "recurring_authorized": "on"},
        follow=True,
    )
    assert "Visa •••• 4242 was saved." in response.content.decode()
    [method] = methods(guardian)
    assert method.is_default and method.recurring_authorized
    assert method.token.startswith("sandbox_pm_")


def test_add_without_details_says_so_next_to_the_field(parent, org, guardian):
    response = parent.post(f"{payments_url(org)}add/", {"gateway_token": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(
        r'class="field-error"[^>]*>Enter the card or bank account details', html
    )
    assert methods(guardian) == []
    response = parent.post(f"{payments_url(org)}add/", {"gateway_token": "made_up"})
    assert "have expired or were already used" in response.content.decode()
    assert methods(guardian) == []


def test_a_fourth_method_is_refused(parent, org, guardian):
    for _ in range(3):
        make_payment_method(guardian)
    html = parent.get(payments_url(org)).content.decode()
    assert "gateway-frame" not in html and "up to 3 payment methods" in html
    token = token_from(enter_card(parent, org))
    response = parent.post(f"{payments_url(org)}add/", {"gateway_token": token})
    assert "up to three payment methods" in response.content.decode()
    assert len(methods(guardian)) == 3


def test_set_default_toggle_recurring_delete(parent, org, guardian):
    a = make_payment_method(guardian, is_default=True)
    b = make_payment_method(guardian, last4="1111")
    base = payments_url(org)
    parent.post(f"{base}{b.pk}/default/")
    b.refresh_from_db()
    assert b.is_default
    parent.post(f"{base}{a.pk}/recurring/", {"authorized": "on"})
    a.refresh_from_db()
    assert a.recurring_authorized
    parent.post(f"{base}{a.pk}/recurring/")
    a.refresh_from_db()
    assert not a.recurring_authorized
    confirm = parent.get(f"{base}{a.pk}/delete/")
    assert "Delete Visa •••• 4242?" in confirm.content.decode()
    assert methods(guardian) == [b, a]  # a GET deletes nothing
    response = parent.post(f"{base}{a.pk}/delete/", follow=True)
    assert "was deleted" in response.content.decode()
    assert methods(guardian) == [b]


def test_required_recurring_method_hides_and_refuses(parent, org, guardian):
    update_portal_settings(org, require_recurring_method=True)
    only = make_payment_method(guardian, is_default=True, recurring_authorized=True)
    base = payments_url(org)
    html = parent.get(base).content.decode()
    assert f"{only.pk}/delete/" not in html
    assert f"{only.pk}/recurring/" not in html
    response = parent.post(f"{base}{only.pk}/delete/", follow=True)
    assert "Keep at least one payment method authorized" in response.content.decode()
    parent.post(f"{base}{only.pk}/recurring/")
    only.refresh_from_db()
    assert only.recurring_authorized
    assert methods(guardian) == [only]


def test_secondary_guardian_may_save_methods(client, org, guardian):
    with scopes_disabled():
        second = guardian_add(
            actor=guardian, first_name="Sam", last_name="X", relationship="father"
        )
        second.user = get_user_model().objects.create_user(
            email="sam@example.com", password="x-long-password"
        )
        second.invite_status = InviteStatus.ACCEPTED
        second.save()
    client.force_login(second.user)
    token = token_from(enter_card(client, org))
    client.post(f"{payments_url(org)}add/", {"gateway_token": token})
    assert len(methods(second)) == 1 and methods(guardian) == []


def test_account_page_links_to_payments(parent, org):
    html = parent.get(f"/portal/{org.slug}/account/").content.decode()
    assert f'href="{payments_url(org)}"' in html


# Webhooks ------------------------------------------------------------------


def test_webhook_stores_each_event_once(client, org):
    url = f"/gateway/sandbox/webhook/{org.slug}/"
    payload = json.dumps({"id": "evt_1", "type": "charge.refunded"}).encode()
    with scopes_disabled():
        signature = gateway_for(org).sign(payload)
    for _ in range(2):
        response = client.post(
            url,
            payload,
            content_type="application/json",
            HTTP_PORTICO_SANDBOX_SIGNATURE=signature,
        )
        assert response.status_code == 200
    assert WebhookEvent.objects.filter(event_id="evt_1").count() == 1
    bad = client.post(
        url,
        payload,
        content_type="application/json",
        HTTP_PORTICO_SANDBOX_SIGNATURE="0" * 64,
    )
    assert bad.status_code == 400
    assert (
        client.post(
            "/gateway/sandbox/webhook/nope/", payload, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.get(url).status_code == 405


def test_payments_page_queries_do_not_grow_with_the_methods(
    parent, org, guardian, django_assert_max_num_queries
):
    make_payment_method(guardian, is_default=True, recurring_authorized=True)
    with django_assert_max_num_queries(40) as one:
        assert parent.get(payments_url(org)).status_code == 200
    make_payment_method(guardian, kind="bank", brand="Sandbox Test Bank", last4="6789")
    make_payment_method(guardian, last4="1881", brand="Visa")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = parent.get(payments_url(org))
    html = response.content.decode()
    assert "•••• 6789" in html and "•••• 1881" in html
