"""My Account > Payments: Outstanding with Make Payment, Credit with Apply
Credit, the last payment; the dashboard's outstanding-charges notice."""

import re
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django_scopes import scopes_disabled

from portal.billing.gateways import sandbox
from portal.billing.models import Allocation, LedgerEntry, Payment, SandboxCharge
from portal.billing.services import charge_post, credit_post, payment_post
from portal.families.models import InviteStatus
from portal.families.services import guardian_add
from tests.browser.support import update_portal_settings
from tests.factories import make_family, make_organization
from tests.factories.billing import make_gateway_account, make_payment_method

pytestmark = pytest.mark.django_db

D = Decimal
ENTRY = "/gateway/sandbox/entry/"


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


@pytest.fixture
def parent(client, guardian):
    client.force_login(guardian.user)
    return client


def url(org, path=""):
    return f"/portal/{org.slug}/account/payments/{path}"


def charge(family, amount, description="Tuition"):
    with scopes_disabled():
        student = family.students.first()
        location = family.organization.locations.first()
        return charge_post(
            family=family,
            amount=D(amount),
            description=description,
            idempotency_key=uuid.uuid4().hex,
            student=student,
            location=location,
        )


def give_credit(family, amount):
    with scopes_disabled():
        return credit_post(
            family=family,
            amount=D(amount),
            reason="Goodwill",
            idempotency_key=uuid.uuid4().hex,
        )


def token(client, org, number="4242 4242 4242 4242"):
    response = client.post(
        f"{ENTRY}?org={org.slug}&kind=card",
        {"number": number, "expiry": "12/99", "cvc": "123"},
    )
    return re.search(r'data-token="([a-z_]+)"', response.content.decode())[1]


def form_key(html, form="pay"):
    return re.search(rf'name="idempotency_key" value="(\w+)"[^>]*id="{form}_', html)[1]


def ledger_rows():
    with scopes_disabled():
        return LedgerEntry.objects.count(), Allocation.objects.count()


# The page -----------------------------------------------------------------------


def test_page_shows_outstanding_credit_and_last_payment(parent, org, family):
    charge(family, "80", "Tuition – Sharks (Ava)")
    charge(family, "25", "Registration fee")
    give_credit(family, "10")
    html = parent.get(url(org)).content.decode()
    assert "Outstanding" in html and "$105.00" in html
    assert "Tuition – Sharks (Ava)" in html and "<td>Ava Family" in html
    assert "Make Payment" in html
    assert "Available credit" in html and "$10.00" in html
    assert "Apply Credit" in html
    assert "No payments yet." in html
    assert (
        f'href="/portal/{org.slug}/account/transactions/">Transaction History' in html
    )
    assert (
        f'href="/portal/{org.slug}/account/statements/">Statements and Ledgers' in html
    )
    # Every charge is ticked: pay all unless the family chooses.
    assert (
        len(re.findall(r'name="charge" value="\d+" data-open="[\d.]+" checked', html))
        == 2
    )
    assert 'name="idempotency_key"' in html
    # Two entry frames on the page, each with its own title and field.
    assert 'id="pay_gateway_token"' in html and 'id="id_gateway_token"' in html
    assert 'title="Card or bank account details for this payment"' in html


def test_each_rendering_has_a_new_key(parent, org, family):
    charge(family, "10")
    first = form_key(parent.get(url(org)).content.decode())
    second = form_key(parent.get(url(org)).content.decode())
    assert first != second


def test_credit_hidden_when_the_organization_does_not_show_it(parent, org, family):
    charge(family, "10")
    give_credit(family, "5")
    update_portal_settings(org, show_credit=False)
    html = parent.get(url(org)).content.decode()
    assert "Available credit" not in html and "Apply Credit" not in html
    response = parent.post(url(org, "apply-credit/"), {"idempotency_key": "k"})
    assert response.status_code == 404


def test_last_payment_amount_and_date_in_the_location_zone(parent, org, family):
    import datetime

    a = charge(family, "40")
    with scopes_disabled():
        location = org.locations.first()
        location.time_zone = "America/Chicago"
        location.save()
        payment = Payment.objects.create(
            organization=org,
            family=family,
            amount=D("40.00"),
            status="confirmed",
            idempotency_key="cash-1",
            gateway="sandbox",
            purpose="staff",
            location=location,
        )
        # 02:00 UTC on Mar 10 is still Mar 9 in Chicago.
        payment_post(
            payment=payment,
            charges=[a],
            now=datetime.datetime(2026, 3, 10, 2, tzinfo=datetime.UTC),
        )
    html = parent.get(url(org)).content.decode()
    assert re.search(r'class="last-payment">\$40\.00 on Mar 9, 2026<', html)
    assert "You have no outstanding charges." in html
    assert "Make Payment" not in html


def test_no_gateway_says_so_and_offers_no_make_payment(parent, org, family):
    charge(family, "10")
    make_gateway_account(org, provider="")
    html = parent.get(url(org)).content.decode()
    assert "does not accept online payments. Please pay at the front desk." in html
    assert "Make Payment" not in html
    key = uuid.uuid4().hex
    response = parent.post(
        url(org, "pay/"),
        {"idempotency_key": key, "charge": [], "method": "new", "gateway_token": "x"},
    )
    assert response.status_code == 400
    assert "does not accept online payments" in response.content.decode()
    assert not Payment.objects.exists()


# Make Payment -----------------------------------------------------------------------


def test_make_payment_with_a_new_card_pays_the_chosen_charges(
    parent, org, family, guardian, django_capture_on_commit_callbacks
):
    charge(family, "80", "Tuition")
    b = charge(family, "25", "Fee")
    html = parent.get(url(org)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = parent.post(
            url(org, "pay/"),
            {
                "idempotency_key": form_key(html),
                "charge": [b.pk],
                "amount": "",
                "method": "new",
                "gateway_token": token(parent, org),
                "save_method": "on",
            },
            follow=True,
        )
    page = response.content.decode()
    assert "Thank you! Your payment of $25.00 was received." in page
    with scopes_disabled():
        payment = Payment.objects.get()
        assert payment.status == "confirmed" and payment.amount == D("25.00")
        assert payment.purpose == "balance" and payment.charge_ids == [b.pk]
        assert [r.charge_id for r in Allocation.objects.all()] == [b.pk]
        assert guardian.payment_methods.count() == 1  # saved for next time
    assert re.search(r"Total outstanding: <strong[^>]*>\$80\.00<", page)
    assert len(mail.outbox) == 1


def test_double_submit_pays_once(parent, org, family, guardian):
    a = charge(family, "30")
    method = make_payment_method(guardian, is_default=True)
    data = {
        "idempotency_key": uuid.uuid4().hex,
        "charge": [a.pk],
        "method": str(method.pk),
    }
    first = parent.post(url(org, "pay/"), data)
    second = parent.post(url(org, "pay/"), data)
    assert first.status_code == second.status_code == 302
    with scopes_disabled():
        assert Payment.objects.count() == 1
        assert SandboxCharge.objects.count() == 1
        assert LedgerEntry.objects.filter(kind="payment").count() == 1


def test_partial_amount(parent, org, family, guardian):
    a = charge(family, "30")
    method = make_payment_method(guardian, is_default=True)
    parent.post(
        url(org, "pay/"),
        {
            "idempotency_key": uuid.uuid4().hex,
            "charge": [a.pk],
            "amount": "12.50",
            "method": str(method.pk),
        },
    )
    with scopes_disabled():
        assert Payment.objects.get().amount == D("12.50")


def test_declined_card_says_why_next_to_the_payment_fields(parent, org, family):
    a = charge(family, "30")
    before = ledger_rows()
    key = uuid.uuid4().hex
    response = parent.post(
        url(org, "pay/"),
        {
            "idempotency_key": key,
            "charge": [a.pk],
            "method": "new",
            "gateway_token": token(parent, org, "4000 0000 0000 0002"),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="pay-method-error"[^>]*>Your card was declined\.<', html)
    assert ledger_rows() == before
    # A new key for the next try, and the used token is not offered again.
    assert form_key(html) != key
    assert re.search(r'name="gateway_token" value=""', html) or (
        'name="gateway_token" id="pay_gateway_token"' in html
    )
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"charge": []}, "pay-charges-error", "Choose at least one charge."),
        ({"amount": "abc"}, "pay_amount_error", "Enter an amount such as 25.00."),
        ({"amount": "0"}, "pay_amount_error", "Enter an amount above zero."),
        ({"amount": "-4"}, "pay_amount_error", "Enter an amount above zero."),
        ({"amount": "1.234"}, "pay_amount_error", "at most two decimal places"),
        (
            {"amount": "31.00"},
            "pay_amount_error",
            "more than the charges you chose ($30.00)",
        ),
        ({"gateway_token": ""}, "pay-method-error", "Choose a saved payment method"),
    ],
)
def test_bad_input_says_so_next_to_the_field(
    parent, org, family, changes, field, message
):
    a = charge(family, "30")
    data = {
        "idempotency_key": uuid.uuid4().hex,
        "charge": [a.pk],
        "method": "new",
        "gateway_token": "sandbox_tok_unused",
        **changes,
    }
    before = ledger_rows()
    response = parent.post(url(org, "pay/"), data)
    assert response.status_code == 400
    html = response.content.decode()
    found = re.search(rf'id="{field}"[^>]*>(.*?)</', html, re.S)
    assert found and message in found[1]
    assert ledger_rows() == before
    assert not Payment.objects.exists()


def test_a_charge_paid_meanwhile_is_a_message(parent, org, family):
    a = charge(family, "30")
    give_credit(family, "30")
    with scopes_disabled():
        from portal.billing.collect import credit_apply

        credit_apply(family=family, charges=[a], idempotency_key="x")
    response = parent.post(
        url(org, "pay/"),
        {
            "idempotency_key": "k1",
            "charge": [a.pk],
            "method": "new",
            "gateway_token": "t",
        },
    )
    assert response.status_code == 400
    assert "already paid" in response.content.decode()


def test_wrong_family_is_404(parent, org, family):
    stranger = make_family(org, students=("Zed",))
    theirs = charge(stranger.family, "30")
    their_method = make_payment_method(stranger, is_default=True)
    mine = charge(family, "30")
    give_credit(family, "30")
    for data in (
        {"charge": [theirs.pk], "method": "new", "gateway_token": "t"},
        {"charge": [mine.pk], "method": str(their_method.pk)},
    ):
        response = parent.post(url(org, "pay/"), {"idempotency_key": "k", **data})
        assert response.status_code == 404
    response = parent.post(
        url(org, "apply-credit/"), {"idempotency_key": "k", "charge": [theirs.pk]}
    )
    assert response.status_code == 404
    assert not Payment.objects.exists()
    with scopes_disabled():
        assert not Allocation.objects.filter(charge=theirs).exists()
    assert "Zed" not in parent.get(url(org)).content.decode()


def test_wrong_tenant_is_404(client, org, family):
    other = make_organization(slug="gym")
    make_gateway_account(other)
    mine = charge(family, "30")
    outsider = make_family(other)
    client.force_login(outsider.user)
    for path, data in (
        ("pay/", {"charge": [mine.pk], "method": "new", "gateway_token": "t"}),
        ("apply-credit/", {"charge": [mine.pk]}),
    ):
        response = client.post(url(other, path), {"idempotency_key": "k", **data})
        assert response.status_code == 404
    assert "Tuition" not in client.get(url(other)).content.decode()
    assert not Payment.objects.exists()


def test_anonymous_is_sent_to_log_in(client, org):
    for path in ("", "pay/", "apply-credit/"):
        response = client.post(url(org, path)) if path else client.get(url(org))
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def _secondary(guardian, *, may_pay):
    with scopes_disabled():
        second = guardian_add(
            actor=guardian, first_name="Sam", last_name="X", relationship="father"
        )
        second.user = get_user_model().objects.create_user(
            email="sam@example.com", password="x-long-password"
        )
        second.invite_status = InviteStatus.ACCEPTED
        second.may_make_payments = may_pay
        second.save()
    return second


def test_secondary_guardian_without_permission_is_refused(
    client, org, guardian, family
):
    a = charge(family, "30")
    give_credit(family, "10")
    second = _secondary(guardian, may_pay=False)
    client.force_login(second.user)
    html = client.get(url(org)).content.decode()
    assert "has not allowed you to make payments" in html
    assert 'action="/portal/swim/account/payments/pay/"' not in html
    assert "Apply Credit" not in html
    method = make_payment_method(second, is_default=True)
    response = client.post(
        url(org, "pay/"),
        {"idempotency_key": "k", "charge": [a.pk], "method": str(method.pk)},
    )
    assert response.status_code == 403
    assert "has not allowed you to make payments" in response.content.decode()
    response = client.post(
        url(org, "apply-credit/"), {"idempotency_key": "k2", "charge": [a.pk]}
    )
    assert response.status_code == 403
    assert not Payment.objects.exists()
    with scopes_disabled():
        assert not Allocation.objects.exists()


def test_secondary_guardian_with_permission_pays(client, org, guardian, family):
    a = charge(family, "30")
    second = _secondary(guardian, may_pay=True)
    client.force_login(second.user)
    method = make_payment_method(second, is_default=True)
    response = client.post(
        url(org, "pay/"),
        {"idempotency_key": "k", "charge": [a.pk], "method": str(method.pk)},
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert Payment.objects.get().guardian == second


def test_setup_mode_is_refused_server_side(parent, org, family, guardian):
    a = charge(family, "30")
    give_credit(family, "10")
    method = make_payment_method(guardian, is_default=True)
    update_portal_settings(org, mode="setup")
    html = parent.get(url(org)).content.decode()
    assert "payments are not accepted yet" in html
    assert 'action="/portal/swim/account/payments/pay/"' not in html
    response = parent.post(
        url(org, "pay/"),
        {"idempotency_key": "k", "charge": [a.pk], "method": str(method.pk)},
    )
    assert response.status_code == 403
    response = parent.post(
        url(org, "apply-credit/"), {"idempotency_key": "k2", "charge": [a.pk]}
    )
    assert response.status_code == 403
    assert not Payment.objects.exists()
    with scopes_disabled():
        assert not Allocation.objects.exists()


def test_gateway_silence_says_so_and_leaves_the_payment_pending(
    parent, org, family, guardian, monkeypatch
):
    a = charge(family, "30")
    method = make_payment_method(guardian, is_default=True)
    monkeypatch.setattr(sandbox.SandboxGateway, "find_charge", lambda self, **kw: None)
    with sandbox.simulate_timeout(after_approval=False):
        response = parent.post(
            url(org, "pay/"),
            {"idempotency_key": "k", "charge": [a.pk], "method": str(method.pk)},
        )
    assert response.status_code == 202
    assert "you will not be charged twice" in response.content.decode()
    with scopes_disabled():
        assert Payment.objects.get().status == "pending"
        assert not LedgerEntry.objects.filter(kind="payment").exists()


# Apply Credit ------------------------------------------------------------------------


def test_apply_credit_to_chosen_charges(parent, org, family):
    charge(family, "30", "Tuition")
    b = charge(family, "20", "Fee")
    give_credit(family, "25")
    data = {"idempotency_key": uuid.uuid4().hex, "charge": [b.pk]}
    response = parent.post(url(org, "apply-credit/"), data, follow=True)
    html = response.content.decode()
    assert "$20.00 of your credit was applied." in html
    assert re.search(r"Total outstanding: <strong[^>]*>\$30\.00<", html)
    assert re.search(r"Available credit: <strong[^>]*>\$5\.00<", html)
    parent.post(url(org, "apply-credit/"), data)  # a double submit
    with scopes_disabled():
        assert [(r.charge_id, r.amount) for r in Allocation.objects.all()] == [
            (b.pk, D("20.00"))
        ]


def test_apply_credit_without_a_charge_says_so(parent, org, family):
    charge(family, "30")
    give_credit(family, "25")
    response = parent.post(url(org, "apply-credit/"), {"idempotency_key": "k"})
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(
        r'id="credit-charges-error"[^>]*>Choose at least one charge\.<', html
    )
    with scopes_disabled():
        assert not Allocation.objects.exists()


# Query counts ------------------------------------------------------------------------


@pytest.mark.parametrize("count", [10, 200])
def test_payments_page_queries_do_not_grow(
    parent, org, family, guardian, django_assert_max_num_queries, count
):
    make_payment_method(guardian, is_default=True)
    with scopes_disabled():
        student = family.students.first()
        location = org.locations.first()
        entries = [
            charge_post(
                family=family,
                amount=D("10"),
                description=f"Charge {i}",
                idempotency_key=f"c{i}",
                student=student,
                location=location,
            )
            for i in range(count)
        ]
        for i in range(count // 2):
            credit_post(
                family=family,
                amount=D("4"),
                reason="Goodwill",
                idempotency_key=f"r{i}",
                charges=[entries[i]],
            )
        give_credit(family, "7")
    parent.get(url(org))
    with django_assert_max_num_queries(30):
        response = parent.get(url(org))
    html = response.content.decode()
    assert f"Charge {count - 1}" in html
    assert html.count('name="charge"') == 2 * count


# Dashboard ---------------------------------------------------------------------


def test_dashboard_notice_for_a_family_that_owes(parent, org, family):
    home = f"/portal/{org.slug}/home/"
    assert "Outstanding charges" not in parent.get(home).content.decode()
    charge(family, "42")
    html = parent.get(home).content.decode()
    assert re.search(r"You have outstanding charges of <strong>\$42\.00</strong>", html)
    assert f'href="{url(org)}"' in html


def test_dashboard_queries_do_not_grow_with_charges(parent, org, family):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    home = f"/portal/{org.slug}/home/"
    counts = []
    for size in (3, 60):
        with scopes_disabled():
            for i in range(size):
                charge(family, "5", f"Charge {size}-{i}")
        parent.get(home)
        with CaptureQueriesContext(connection) as queries:
            html = parent.get(home).content.decode()
        counts.append(len(queries))
        assert "You have outstanding charges" in html
    assert counts[0] == counts[1]


def paid_history(family, *, start, stop):
    """Charges `start` to `stop` - 1, paid by one credit, in bulk inserts (a
    family with years of history; the services' speed is not measured)."""
    org_id = family.organization_id
    with scopes_disabled():
        charges = LedgerEntry.objects.bulk_create(
            LedgerEntry(
                organization_id=org_id,
                family=family,
                kind="charge",
                amount=D("1.00"),
                description=f"Old charge {i}",
                idempotency_key=f"old-charge-{i}",
            )
            for i in range(start, stop)
        )
        source = LedgerEntry.objects.create(
            organization_id=org_id,
            family=family,
            kind="credit",
            amount=D(stop - start),
            description="Older payments",
            idempotency_key=f"old-credit-{start}",
        )
        Allocation.objects.bulk_create(
            Allocation(organization_id=org_id, source=source, charge=c, amount=c.amount)
            for c in charges
        )


def test_payments_page_queries_are_the_same_at_10_and_5000_ledger_rows(
    parent, org, family, guardian, django_assert_max_num_queries
):
    make_payment_method(guardian, is_default=True)
    counts, start = [], 0
    for rows in (10, 5000):
        paid_history(family, start=start, stop=rows)
        start = rows
        charge(family, "80", f"Open after {rows}")
        parent.get(url(org))  # the session's first reads are not the page's
        with django_assert_max_num_queries(30) as queries:
            response = parent.get(url(org))
        counts.append(len(queries.captured_queries))
        html = response.content.decode()
        assert f"Open after {rows}" in html and "Old charge" not in html
    assert counts[0] == counts[1]
