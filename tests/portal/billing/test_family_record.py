"""The family record in the admin (portal/billing/family_admin.py): what the
front desk sees, the money forms, and who may reach them."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfReader

from portal.billing.models import EntryKind, LedgerEntry, Payment, SandboxCharge
from portal.billing.selectors import family_totals
from portal.billing.statements import statement_issue
from portal.enrollments.models import Enrollment, EnrollmentStatus
from portal.families.models import ContactPhone, PolicyAnswer, Student
from tests.factories import make_family, make_organization
from tests.factories.cart import make_class
from tests.factories.frontdesk import make_card_payment, make_charge, make_role_staff

pytestmark = pytest.mark.django_db

D = Decimal
ACTIONS = ("charge", "payment", "refund", "credit", "adjustment", "reverse")


@pytest.fixture
def alpha():
    return make_organization(name="Alpha Swim", slug="alpha")


@pytest.fixture
def desk(alpha):
    return make_role_staff(alpha, "front_desk", first_name="Dana", last_name="Desk")


@pytest.fixture
def family(alpha):
    guardian = make_family(
        alpha,
        email="rosa@example.com",
        first_name="Rosa",
        last_name="Rivera",
        students=("Mia", "Leo"),
    )
    with scopes_disabled():
        family = guardian.family
        Student.objects.filter(family=family, first_name="Mia").update(
            has_allergies=True, allergy_details="Peanuts and bee stings"
        )
        ContactPhone.objects.filter(family=family).update(number="(312) 555-0142")
    return family


@pytest.fixture
def client_desk(client, desk):
    client.force_login(desk)
    return client


def url(name, family, query=""):
    path = reverse(f"billing_family_{name}", args=[family.pk])
    return f"{path}?{query}" if query else path


def record_url(family, page=None):
    path = reverse("billing_family_record", args=[family.pk])
    return f"{path}?page={page}" if page else path


def counts(family):
    with scopes_disabled():
        return (
            LedgerEntry.objects.filter(family=family).count(),
            Payment.objects.filter(family=family).count(),
        )


def field_chunk(html, name):
    """The rendered wrapper of the form field `name` (label, errors, input)."""
    for chunk in html.split('class="w-field__wrapper')[1:]:
        if f'name="{name}"' in chunk:
            return chunk
    raise AssertionError(f"no field {name}")


# What the record shows -------------------------------------------------------


@pytest.fixture
def full_family(alpha, family, desk):
    with scopes_disabled():
        mia = family.students.get(first_name="Mia")
        klass = make_class(alpha, name="Dolphins 2")
        Enrollment.objects.create(
            organization=alpha,
            student=mia,
            klass=klass,
            status=EnrollmentStatus.ACTIVE,
            starts_on=datetime.date(2026, 3, 2),
        )
        PolicyAnswer.objects.create(
            organization=alpha,
            family=family,
            policy_title="Liability Waiver",
            policy_version=3,
            accepted=True,
            answered_at=timezone.now(),
        )
    make_charge(family, "120.00", description="March tuition")
    make_card_payment(family, "150.00")
    with scopes_disabled():
        statement_issue(
            family=family,
            location=alpha.locations.get(),
            kind="statement",
            as_of=timezone.localdate(),
            by=desk,
        )
    return family


def test_record_shows_each_section(client_desk, full_family):
    response = client_desk.get(record_url(full_family))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Rivera",
        # Guardians and contact data
        "Rosa Rivera",
        "primary guardian",
        "rosa@example.com",
        "(312) 555-0142",
        "1 Main St",
        # Students, allergies visible
        "Mia",
        "Leo",
        "Peanuts and bee stings",
        # Enrollments and policy answers
        "Dolphins 2",
        "Active",
        "Liability Waiver (version 3)",
        "Accepted",
        # Balance and credit
        "Balance owed",
        "$30.00",
        # Ledger
        "March tuition",
        "Payment – Visa ending in 4242",
        # Statements issued
        "Reprint statement",
    ):
        assert text in html, text
    balance = re.search(r'data-testid="balance">([^<]*)<', html)[1]
    credit = re.search(r'data-testid="credit">([^<]*)<', html)[1]
    assert (balance, credit) == ("$0.00", "$30.00")
    # Newest first: the payment above the charge.
    assert html.index("Payment – Visa ending in 4242") < html.index("March tuition")
    # The allergy stands out before the student without one.
    assert html.index("Peanuts") < html.index("Leo")


def test_statement_reprint_is_the_stored_pdf(client_desk, full_family):
    with scopes_disabled():
        statement = full_family.statements.get()
    response = client_desk.get(
        reverse("billing_family_statement", args=[full_family.pk, statement.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Rivera" in text
    assert str(statement.number) in text


def test_ledger_pages_and_query_count_do_not_grow_to_5000_rows(
    client_desk, alpha, family, django_assert_max_num_queries
):
    def grow(n):
        now = timezone.now()
        with scopes_disabled():
            LedgerEntry.objects.bulk_create(
                LedgerEntry(
                    organization=alpha,
                    family=family,
                    kind=EntryKind.CHARGE,
                    amount=D("1.00"),
                    description=f"Fee {i}",
                    posted_at=now + datetime.timedelta(seconds=i),
                    idempotency_key=f"grow-{n}-{i}",
                )
                for i in range(n)
            )

    grow(10)
    make_card_payment(family, "5.00")
    client_desk.get(record_url(family))  # warm caches (roles, content types)
    with django_assert_max_num_queries(40) as small:
        assert client_desk.get(record_url(family)).status_code == 200
    grow(4990)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client_desk.get(record_url(family))
    html = response.content.decode()
    assert "<td>Fee 4989</td>" in html and "<td>Fee 5</td>" not in html
    assert "Page 1 of 101" in html
    older = client_desk.get(record_url(family, page=101)).content.decode()
    assert "<td>Fee 0</td>" in older and "<td>Fee 4989</td>" not in older


# The money forms ------------------------------------------------------------


def test_each_form_carries_a_fresh_hidden_key(client_desk, family):
    for action in ACTIONS:
        first = client_desk.get(url(action, family)).content.decode()
        second = client_desk.get(url(action, family)).content.decode()
        pattern = r'type="hidden" name="idempotency_key" value="([0-9a-f]{32})"'
        assert re.search(pattern, first)[1] != re.search(pattern, second)[1], action


def test_charge_posted_twice_is_posted_once(client_desk, family, desk):
    data = {
        "idempotency_key": "form-key-1",
        "description": "Lost swim cap",
        "amount": "12.50",
        "reason": "Cap not returned",
    }
    for _attempt in range(2):
        response = client_desk.post(url("charge", family), data)
        assert response.status_code == 302
        assert response["Location"] == record_url(family)
    with scopes_disabled():
        entry = LedgerEntry.objects.get(family=family)
    assert (entry.kind, entry.amount, entry.created_by, entry.reason) == (
        EntryKind.CHARGE,
        D("12.50"),
        desk,
        "Cap not returned",
    )
    html = client_desk.get(record_url(family)).content.decode()
    assert "Lost swim cap" in html and "Cap not returned" in html


def test_cash_payment_credit_adjustment_and_reversal_through_the_forms(
    client_desk, family, desk
):
    charge = make_charge(family, "100.00", description="April tuition")
    posts = [
        (
            "payment",
            {"method": "cash", "amount": "40.00", "reason": "Paid at the desk"},
        ),
        ("credit", {"amount": "10.00", "reason": "Goodwill", "apply": "on"}),
        ("adjustment", {"amount": "-5.00", "reason": "Sibling discount"}),
    ]
    for i, (action, data) in enumerate(posts):
        response = client_desk.post(
            url(action, family), {"idempotency_key": f"k{i}", **data}
        )
        assert response.status_code == 302, action
    with scopes_disabled():
        assert family_totals(family=family) == (D("50.00"), D("5.00"))
    response = client_desk.post(
        url("reverse", family),
        {"idempotency_key": "k9", "entry": charge.pk, "reason": "Class cancelled"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert family_totals(family=family) == (D("0.00"), D("55.00"))
        assert set(
            LedgerEntry.objects.filter(family=family).values_list(
                "created_by", flat=True
            )
        ) == {None, desk.pk}
    html = client_desk.get(record_url(family)).content.decode()
    assert "Reversal: April tuition" in html and "(reversed)" in html


def test_refund_page_says_what_can_go_back(client_desk, family):
    make_charge(family, "100.00")
    payment = make_card_payment(family, "130.00")
    html = client_desk.get(url("refund", family, f"payment={payment.pk}")).content
    html = html.decode()
    assert re.search(r'data-testid="refundable-to-method">\$30\.00<', html)
    assert re.search(r'data-testid="refundable-as-credit">\$100\.00<', html)
    assert 'name="amount" value="30.00"' in html


def test_partial_refund_to_the_card_through_the_form(client_desk, alpha, family):
    make_charge(family, "100.00")
    payment = make_card_payment(family, "130.00")
    data = {
        "idempotency_key": "refund-key",
        "payment": payment.pk,
        "amount": "20.00",
        "to": "method",
        "reason": "Overpaid",
    }
    for _attempt in range(2):
        response = client_desk.post(url("refund", family), data)
        assert response.status_code == 302
    with scopes_disabled():
        assert (
            SandboxCharge.objects.filter(organization=alpha, operation="refund").count()
            == 1
        )
        assert family_totals(family=family) == (D("0.00"), D("10.00"))
    response = client_desk.get(record_url(family))
    html = response.content.decode()
    assert "$20.00 refunded." in html
    assert re.search(r'data-testid="credit">\$10\.00<', html)


def test_refund_the_gateway_refuses_is_shown_and_changes_nothing(client_desk, family):
    payment = make_card_payment(family, "50.00")
    with scopes_disabled():
        Payment.objects.filter(pk=payment.pk).update(gateway_reference="unknown")
    before = counts(family)
    data = {
        "idempotency_key": "refund-declined",
        "payment": payment.pk,
        "amount": "20.00",
        "to": "method",
        "reason": "Overpaid",
    }
    response = client_desk.post(url("refund", family), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The payment gateway refused the refund" in html
    assert "No such charge." in html
    assert counts(family) == before
    # A new key for the next try: the gateway keeps this one's outcome.
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html)[1]
    assert key != "refund-declined"


def bad_inputs(family):
    charge = make_charge(family, "30.00", description="Cap")
    payment = make_card_payment(family, "30.00")
    with scopes_disabled():
        reversal = LedgerEntry.objects.filter(reverses__isnull=False).first()
    assert reversal is None
    return [
        (
            "charge",
            {"description": "", "amount": "abc", "reason": ""},
            {
                "description": "Say what the charge is for.",
                "amount": "Enter an amount such as 25.00.",
                "reason": "Say why this entry is made.",
            },
        ),
        (
            "charge",
            {"description": "Fee", "amount": "1.234", "reason": "x"},
            {"amount": "Enter an amount in whole cents."},
        ),
        (
            "payment",
            {"method": "check", "amount": "0", "check_number": "", "reason": "x"},
            {
                "amount": "Enter an amount above zero.",
                "check_number": "Enter the check number.",
            },
        ),
        (
            "payment",
            {"method": "barter", "amount": "5", "reason": "x"},
            {"method": "Select a valid choice."},
        ),
        (
            "refund",
            {"payment": payment.pk, "amount": "30.01", "to": "method", "reason": "x"},
            {"amount": "more than what is left of this payment ($30.00)"},
        ),
        (
            "refund",
            {"payment": payment.pk, "amount": "10", "to": "method", "reason": "x"},
            {"amount": "The family&#x27;s credit ($0.00) does not cover this refund"},
        ),
        (
            "refund",
            {"payment": "", "amount": "10", "to": "credit", "reason": "x"},
            {None: "Choose the payment to refund from the ledger."},
        ),
        (
            "credit",
            {"amount": "-5", "reason": ""},
            {
                "amount": "Enter an amount above zero.",
                "reason": "Say why this entry is made.",
            },
        ),
        (
            "adjustment",
            {"amount": "0", "reason": "x"},
            {"amount": "An adjustment cannot be zero."},
        ),
        (
            "reverse",
            {"entry": "", "reason": "x"},
            {None: "Choose the entry to reverse from the ledger."},
        ),
        (
            "reverse",
            {"entry": charge.pk, "reason": ""},
            {"reason": "Say why this entry is made."},
        ),
    ]


def test_bad_input_on_every_form_is_shown_by_the_field_and_saves_nothing(
    client_desk, family
):
    cases = bad_inputs(family)
    assert {action for action, _data, _errors in cases} == set(ACTIONS)
    before = counts(family)
    for i, (action, data, errors) in enumerate(cases):
        response = client_desk.post(
            url(action, family), {"idempotency_key": f"bad-{i}", **data}
        )
        assert response.status_code == 200, (action, data)
        html = response.content.decode()
        for field, message in errors.items():
            where = html if field is None else field_chunk(html, field)
            assert message in where, (action, field, message)
        assert counts(family) == before, action


def test_an_entry_is_reversed_once_through_the_form(client_desk, family):
    charge = make_charge(family, "30.00")
    first = client_desk.post(
        url("reverse", family),
        {"idempotency_key": "r1", "entry": charge.pk, "reason": "Duplicate"},
    )
    assert first.status_code == 302
    before = counts(family)
    second = client_desk.post(
        url("reverse", family),
        {"idempotency_key": "r2", "entry": charge.pk, "reason": "Duplicate"},
    )
    assert second.status_code == 200
    assert "This entry has already been reversed." in second.content.decode()
    assert counts(family) == before


def test_another_familys_payment_or_entry_cannot_be_named(client_desk, alpha, family):
    other = make_family(alpha, last_name="Other").family
    payment = make_card_payment(other, "40.00")
    with scopes_disabled():
        entry = LedgerEntry.objects.get(family=other)
    before = counts(other)
    for action, data in (
        ("refund", {"payment": payment.pk, "amount": "5", "to": "method"}),
        ("reverse", {"entry": entry.pk}),
    ):
        response = client_desk.post(
            url(action, family), {"idempotency_key": "x", "reason": "x", **data}
        )
        assert response.status_code == 200
        assert "from the ledger." in response.content.decode()
    assert counts(other) == before


# Who may ------------------------------------------------------------------------


def every_url(family, statement_id=999999):
    return (
        [record_url(family)]
        + [url(a, family) for a in ACTIONS]
        + [reverse("billing_family_statement", args=[family.pk, statement_id])]
    )


def test_a_manager_opens_the_record(client, alpha, family):
    client.force_login(make_role_staff(alpha, "manager"))
    assert client.get(record_url(family)).status_code == 200


def test_marketing_staff_are_refused_everywhere(client, alpha, full_family):
    client.force_login(make_role_staff(alpha, "marketing"))
    with scopes_disabled():
        statement = full_family.statements.get()
    before = counts(full_family)
    for path in every_url(full_family, statement.pk):
        assert client.get(path).status_code == 403, path
        response = client.post(
            path,
            {"idempotency_key": "m", "amount": "5", "reason": "x", "method": "cash"},
        )
        assert response.status_code == 403, path
    assert counts(full_family) == before


def test_another_organizations_staff_find_nothing(client, full_family):
    bravo = make_organization(name="Bravo Gym", slug="bravo")
    for role in ("front_desk", "manager"):
        client.force_login(make_role_staff(bravo, role))
        with scopes_disabled():
            statement = full_family.statements.get()
        before = counts(full_family)
        for path in every_url(full_family, statement.pk):
            response = client.get(path)
            assert response.status_code == 404, path
            assert "Rivera" not in response.content.decode()
            response = client.post(
                path,
                {
                    "idempotency_key": "b",
                    "amount": "5",
                    "reason": "x",
                    "method": "cash",
                },
            )
            assert response.status_code == 404, path
        assert counts(full_family) == before


def test_desk_here_marketing_there_reaches_only_here(client, alpha, family):
    bravo = make_organization(name="Bravo Gym", slug="bravo")
    bravo_family = make_family(bravo, last_name="Bravofamily").family
    user = make_role_staff(alpha, "front_desk")
    from portal.tenancy.services import staff_membership_create

    staff_membership_create(organization=bravo, user=user, role="marketing")
    client.force_login(user)
    assert client.get(record_url(family)).status_code == 200
    for path in every_url(bravo_family):
        assert client.get(path).status_code == 404, path


def test_a_statement_of_another_family_is_not_found(client_desk, alpha, full_family):
    other = make_family(alpha, last_name="Other").family
    with scopes_disabled():
        statement = full_family.statements.get()
    response = client_desk.get(
        reverse("billing_family_statement", args=[other.pk, statement.pk])
    )
    assert response.status_code == 404


# Finding the family -----------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "Rivera",
        "Rosa",
        "Rosa Rivera",
        "rosa@example.com",
        "(312) 555-0142",
        "555-0142",
        "3125550142",
    ],
)
def test_family_search_finds_by_name_guardian_email_and_phone(
    client_desk, alpha, family, query
):
    from portal.families.services import family_reindex

    make_family(alpha, last_name="Okafor", first_name="Ngozi")
    with scopes_disabled():
        family_reindex(family=family)
    response = client_desk.get(reverse("family:index"), {"q": query})
    assert response.status_code == 200
    assert [str(row) for row in response.context["object_list"]] == ["Rivera"]
    html = response.content.decode()
    assert f'href="{record_url(family)}"' in html
    assert "Family record" in html


def test_payment_form_charges_a_saved_card(client_desk, alpha, family, desk):
    from tests.factories.billing import make_gateway_account, make_payment_method

    make_gateway_account(alpha)
    with scopes_disabled():
        guardian = family.guardians.get(is_primary=True)
    card = make_payment_method(guardian, last4="4242")
    make_charge(family, "45.00")
    html = client_desk.get(url("payment", family)).content.decode()
    assert "Visa •••• 4242 of Rosa Rivera" in html
    response = client_desk.post(
        url("payment", family),
        {
            "idempotency_key": "take-form",
            "method": f"method:{card.pk}",
            "amount": "45.00",
            "reason": "Called in",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        payment = Payment.objects.get(family=family)
        assert (payment.purpose, payment.created_by, payment.last4) == (
            "staff",
            desk,
            "4242",
        )
        assert family_totals(family=family) == (D("0.00"), D("0.00"))
