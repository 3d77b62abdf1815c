"""Codes: how many can be asked for and guessed, per email and per address."""

import re

import pytest
from django.core import mail
from django.test import Client
from django_scopes import scopes_disabled

from tests.factories import make_family, make_organization

pytestmark = pytest.mark.django_db

ISSUE_REFUSED = "Too many codes were asked for this email or from this network."
GUESS_REFUSED = "Too many wrong codes for this email or from this network."
REGISTER = "/portal/swim/register/"
ATTACKER = "203.0.113.9"
ELSEWHERE = "198.51.100.7"


@pytest.fixture
def org():
    return make_organization(slug="swim")


@pytest.fixture
def limits():
    from portal.accounts.throttle import CODE_LIMITS

    return CODE_LIMITS


def code_in(message):
    return re.search(r"\b\d{6}\b", message.subject)[0]


def wrong(code):
    return "111111" if code != "111111" else "222222"


def forgot(client, email, ip=ATTACKER):
    return client.post(
        "/portal/swim/password/forgot/", {"email": email}, REMOTE_ADDR=ip
    )


def reset(client, code, ip=ATTACKER):
    password = "a brand new pass"
    return client.post(
        "/portal/swim/password/reset/",
        {"code": code, "password1": password, "password2": password},
        REMOTE_ADDR=ip,
    )


# Issuing ------------------------------------------------------------------------


def test_create_account_resend_is_limited(client, org, limits):
    per_email = limits["issue"][0]
    client.post(REGISTER + "email/", {"email": "sam@example.com", "adult": "on"})
    for _ in range(per_email - 1):
        page = client.post(REGISTER + "code/", {"resend": "1"}, follow=True)
        assert "We sent a new code." in page.content.decode()
    refused = client.post(REGISTER + "code/", {"resend": "1"}, follow=True)
    html = refused.content.decode()
    assert ISSUE_REFUSED in html
    assert "We sent a new code." not in html
    assert len(mail.outbox) == per_email
    # Going back and entering the same email again is no way around it.
    again = client.post(
        REGISTER + "email/", {"email": "sam@example.com", "adult": "on"}
    )
    assert ISSUE_REFUSED in again.content.decode()
    assert len(mail.outbox) == per_email


def test_forgot_password_codes_are_limited_per_email(client, org, limits):
    make_family(org, email="mom@example.com")
    per_email = limits["issue"][0]
    for _ in range(per_email):
        assert forgot(client, "mom@example.com").status_code == 302
    refused = forgot(client, "mom@example.com", ip=ELSEWHERE)
    assert refused.status_code == 200
    assert ISSUE_REFUSED in refused.content.decode()
    assert len(mail.outbox) == per_email
    # The limit does not tell known from unknown emails apart.
    for _ in range(per_email):
        forgot(client, "nobody@example.com", ip=ELSEWHERE)
    unknown = forgot(client, "nobody@example.com", ip=ELSEWHERE)
    assert ISSUE_REFUSED in unknown.content.decode()


def test_codes_are_limited_per_address_across_emails(client, org, limits, monkeypatch):
    assert limits["issue"][1] > limits["issue"][0]
    monkeypatch.setitem(limits, "issue", (5, 8))
    for i in range(8):
        assert forgot(client, f"person{i}@example.com").status_code == 302
    refused = Client().post(
        REGISTER + "email/",
        {"email": "new@example.com", "adult": "on"},
        REMOTE_ADDR=ATTACKER,
    )
    assert ISSUE_REFUSED in refused.content.decode()
    # Someone elsewhere is not affected.
    assert forgot(client, "new@example.com", ip=ELSEWHERE).status_code == 302


# Guessing -------------------------------------------------------------------------


def test_a_new_reset_code_does_not_reset_the_guessing_budget(client, org, limits):
    make_family(org, email="mom@example.com")
    per_email = limits["guess"][0]
    guesses = 0
    while guesses < per_email:
        forgot(client, "mom@example.com")
        code = code_in(mail.outbox[-1])
        for _ in range(min(5, per_email - guesses)):
            reset(client, wrong(code))
            guesses += 1
    forgot(client, "mom@example.com")
    code = code_in(mail.outbox[-1])
    refused = reset(client, code)
    assert GUESS_REFUSED in refused.content.decode()
    # From another address too: the budget is the email's.
    assert GUESS_REFUSED in reset(client, code, ip=ELSEWHERE).content.decode()
    with scopes_disabled():
        from portal.accounts.models import User

        assert User.objects.get(email="mom@example.com").check_password(
            "correct-horse-9"
        )


def test_create_account_code_guesses_are_limited_across_codes(client, org, limits):
    per_email = limits["guess"][0]
    client.post(REGISTER + "email/", {"email": "sam@example.com", "adult": "on"})
    for guess in range(per_email):
        if guess and guess % 5 == 0:
            client.post(REGISTER + "code/", {"resend": "1"})
        client.post(REGISTER + "code/", {"code": wrong(code_in(mail.outbox[-1]))})
    client.post(REGISTER + "code/", {"resend": "1"})
    refused = client.post(REGISTER + "code/", {"code": code_in(mail.outbox[-1])})
    assert GUESS_REFUSED in refused.content.decode()
    assert client.get(REGISTER + "guardian/")["Location"] == REGISTER + "code/"


def test_code_guesses_are_limited_per_address_across_emails(org, limits, monkeypatch):
    assert limits["guess"][1] > limits["guess"][0]
    monkeypatch.setitem(limits, "guess", (10, 6))
    for email in ("a@example.com", "b@example.com"):
        make_family(org, email=email)
    first, second = Client(), Client()
    forgot(first, "a@example.com")
    forgot(second, "b@example.com")
    code_b = code_in(mail.outbox[-1])
    for _ in range(3):
        reset(first, "000001")
        reset(second, wrong(code_b))
    assert GUESS_REFUSED in reset(second, code_b).content.decode()
    # The same right code from elsewhere is accepted.
    assert reset(second, code_b, ip=ELSEWHERE).status_code == 302
