"""Log in throttle: every login path, per email + address, per address, proxies."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import RequestFactory
from django_scopes import scopes_disabled

from tests.factories import UserFactory, make_family, make_organization, make_staff

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"
WRONG = "not-the-password-1"
ATTACKER = "203.0.113.9"
OWNER = "198.51.100.7"
THROTTLED = "Too many failed log in attempts."
NOT_RIGHT = "The email or password is not right."


@pytest.fixture
def org():
    return make_organization(slug="swim")


def portal_login(client, email, password=PASSWORD, ip=ATTACKER, **extra):
    return client.post(
        "/portal/swim/login/",
        {"email": email, "password": password},
        REMOTE_ADDR=ip,
        **extra,
    )


def admin_login(client, email, password=PASSWORD, ip=ATTACKER):
    return client.post(
        "/admin/login/", {"username": email, "password": password}, REMOTE_ADDR=ip
    )


def errors(response):
    """The text of the form's error messages, as the person sees them."""
    html = response.content.decode()
    found = re.findall(
        r'<ul class="errorlist[^"]*">(.*?)</ul>|<li class="error">(.*?)</li>',
        html,
        re.S,
    )
    text = " ".join(portal or admin for portal, admin in found)
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def fail(client, email, times, ip=ATTACKER):
    for _ in range(times):
        response = portal_login(client, email, WRONG, ip=ip)
    return response


def test_an_attacker_does_not_lock_the_owner_out_from_another_address(client, org):
    make_family(org, email="mom@example.com")
    fail(client, "mom@example.com", 20)
    owner = portal_login(client, "mom@example.com", ip=OWNER)
    assert owner.status_code == 302
    assert owner["Location"] == "/portal/swim/home/"


def test_an_attacker_is_locked_for_that_email_with_a_growing_cool_off(client, org):
    make_family(org, email="mom@example.com")
    limit = settings.AXES_FAILURE_LIMIT
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0), tick=False) as clock:
        for _ in range(limit - 1):
            assert NOT_RIGHT in errors(portal_login(client, "mom@example.com", WRONG))
        locked = portal_login(client, "mom@example.com", WRONG)
        assert locked.status_code == 429
        assert THROTTLED in errors(locked)  # locked for a minute
        # Even the right password is refused now, without a session; trying
        # during the cool-off doubles it (two minutes from now).
        right = portal_login(client, "mom@example.com")
        assert right.status_code == 429 and THROTTLED in errors(right)
        assert "_auth_user_id" not in client.session
        clock.shift(datetime.timedelta(seconds=90))
        # A fixed one-minute cool-off would be over; this one is not (and
        # doubles again: four minutes).
        assert THROTTLED in errors(portal_login(client, "mom@example.com"))
        clock.shift(datetime.timedelta(minutes=3))
        assert THROTTLED in errors(portal_login(client, "mom@example.com"))
        clock.shift(datetime.timedelta(minutes=8, seconds=10))
        assert portal_login(client, "mom@example.com").status_code == 302


def test_a_successful_log_in_clears_the_failures_of_that_email_and_address(client, org):
    make_family(org, email="mom@example.com")
    fail(client, "mom@example.com", settings.AXES_FAILURE_LIMIT - 1)
    assert portal_login(client, "mom@example.com").status_code == 302
    client.post("/portal/swim/logout/")
    fail(client, "mom@example.com", settings.AXES_FAILURE_LIMIT - 1)
    assert portal_login(client, "mom@example.com").status_code == 302


def test_many_emails_from_one_address_reach_the_address_ceiling(
    client, org, monkeypatch
):
    from portal.accounts import throttle

    # The real ceiling is far above what one family needs, yet bounded.
    assert 10 * settings.AXES_FAILURE_LIMIT <= throttle.LOGIN_ADDRESS_LIMIT <= 1000
    monkeypatch.setattr(throttle, "LOGIN_ADDRESS_LIMIT", 12)
    make_family(org, email="mom@example.com")
    for i in range(11):
        response = portal_login(client, f"guess{i}@example.com", WRONG)
        assert NOT_RIGHT in errors(response)  # each email alone is far from locked
    assert THROTTLED in errors(portal_login(client, "guess11@example.com", WRONG))
    # Every email is refused from that address now, the right password too ...
    assert THROTTLED in errors(portal_login(client, "mom@example.com"))
    # ... while the owner elsewhere logs in.
    assert portal_login(client, "mom@example.com", ip=OWNER).status_code == 302


def test_the_lock_out_message_is_the_same_for_known_and_unknown_emails(client, org):
    make_family(org, email="mom@example.com")
    known = fail(client, "mom@example.com", settings.AXES_FAILURE_LIMIT + 1)
    unknown = fail(client, "nobody@example.com", settings.AXES_FAILURE_LIMIT + 1)
    assert known.status_code == unknown.status_code == 429
    assert THROTTLED in errors(known)
    assert errors(known) == errors(unknown)


def test_admin_and_portal_logins_share_the_counters(client, org):
    make_staff(org, email="staff@example.com")
    make_family(org, email="mom@example.com")
    for _ in range(3):
        portal_login(client, "staff@example.com", WRONG)
    for _ in range(settings.AXES_FAILURE_LIMIT - 3):
        admin_login(client, "staff@example.com", WRONG)
    refused = admin_login(client, "staff@example.com")
    assert refused.status_code == 429
    assert THROTTLED in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # And the other way round: admin failures count at the portal.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_login(client, "mom@example.com", WRONG)
    assert THROTTLED in errors(portal_login(client, "mom@example.com"))
    # The staff member from their own address is let in.
    assert admin_login(client, "staff@example.com", ip=OWNER).status_code == 302


def test_a_spoofed_forwarded_for_header_is_ignored_without_a_proxy_setting(client, org):
    make_family(org, email="mom@example.com")
    for i in range(settings.AXES_FAILURE_LIMIT):
        portal_login(
            client, "mom@example.com", WRONG, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}"
        )
    refused = portal_login(client, "mom@example.com", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert THROTTLED in errors(refused)


def test_the_proxy_header_gives_the_address_when_configured(client, org, settings):
    settings.PORTICO_CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.PORTICO_TRUSTED_PROXIES = 1
    make_family(org, email="mom@example.com")
    proxy = "10.0.0.1"
    for i in range(settings.AXES_FAILURE_LIMIT):
        # What the client wrote (left) changes; what the proxy saw does not.
        portal_login(
            client,
            "mom@example.com",
            WRONG,
            ip=proxy,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, {ATTACKER}",
        )
    assert THROTTLED in errors(
        portal_login(client, "mom@example.com", ip=proxy, HTTP_X_FORWARDED_FOR=ATTACKER)
    )
    # Another client behind the same proxy is someone else.
    owner = portal_login(
        client, "mom@example.com", ip=proxy, HTTP_X_FORWARDED_FOR=OWNER
    )
    assert owner.status_code == 302


@pytest.mark.parametrize(
    "header,proxies,meta,expected",
    [
        ("", 1, {"HTTP_X_FORWARDED_FOR": "192.0.2.1"}, "10.0.0.1"),
        ("X-Forwarded-For", 1, {"HTTP_X_FORWARDED_FOR": "192.0.2.1"}, "192.0.2.1"),
        (
            "X-Forwarded-For",
            1,
            {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 192.0.2.1"},
            "192.0.2.1",
        ),
        (
            "X-Forwarded-For",
            2,
            {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 192.0.2.1, 10.0.0.2"},
            "192.0.2.1",
        ),
        ("X-Forwarded-For", 1, {}, "10.0.0.1"),
        ("X-Forwarded-For", 1, {"HTTP_X_FORWARDED_FOR": "not-an-address"}, "10.0.0.1"),
        ("X-Real-IP", 1, {"HTTP_X_REAL_IP": "2001:db8::1"}, "2001:db8::1"),
    ],
)
def test_client_address(settings, header, proxies, meta, expected):
    from portal.accounts.throttle import client_ip

    settings.PORTICO_CLIENT_IP_HEADER = header
    settings.PORTICO_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", **meta)
    assert client_ip(request) == expected


# The admin is for staff -------------------------------------------------------


def test_a_parents_right_password_at_the_admin_gets_the_wrong_password_answer(
    client, org
):
    make_family(org, email="mom@example.com")
    right = admin_login(client, "mom@example.com")
    wrong = admin_login(client, "mom@example.com", WRONG, ip=OWNER)
    assert right.status_code == wrong.status_code == 200
    assert "didn&#x27;t match" in right.content.decode()
    assert errors(right) == errors(wrong)
    assert "_auth_user_id" not in client.session
    # No portal session came out of it either.
    assert client.get("/portal/swim/account/").status_code == 302


def test_a_parents_right_password_at_the_admin_counts_as_a_failure(client, org):
    make_family(org, email="mom@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_login(client, "mom@example.com")
    assert THROTTLED in errors(portal_login(client, "mom@example.com"))


def test_staff_and_superusers_log_in_to_the_admin(client, org):
    make_staff(org, email="staff@example.com")
    response = admin_login(client, "staff@example.com")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    client.logout()
    UserFactory(email="root@example.com", is_superuser=True, is_staff=True)
    assert admin_login(client, "root@example.com").status_code == 302


def test_a_former_staff_member_is_refused_at_the_admin(client, org):
    from portal.tenancy.models import StaffMembership
    from portal.tenancy.services import staff_membership_delete

    user = make_staff(org, email="gone@example.com")
    with scopes_disabled():
        staff_membership_delete(membership=StaffMembership.objects.get(user=user))
    user.is_staff = True  # even with the flag left behind
    user.save()
    response = admin_login(client, "gone@example.com")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# Accepting a guardian invite with an existing login ---------------------------


def test_invite_acceptance_with_an_existing_login_is_throttled(client, org):
    from tests.portal.families.test_guardians import make_primary, make_secondary

    primary = make_primary(org)
    make_secondary(primary)
    UserFactory(email="john@example.com")  # logs in with PASSWORD elsewhere
    with scopes_disabled():
        from portal.families.models import Guardian

        john = Guardian.objects.get(first_name="John")
    client.force_login(primary.user)
    mail.outbox.clear()
    client.post(f"/portal/swim/account/guardians/{john.pk}/invite/")
    path = re.search(r"/portal/swim/invite/\S+/", mail.outbox[0].body)[0]
    client.logout()

    def accept(password, ip=ATTACKER):
        return client.post(
            path, {"password1": password, "password2": password}, REMOTE_ADDR=ip
        )

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert "already has a login" in errors(accept("wrong password 12"))
    assert THROTTLED in errors(accept("wrong password 12"))
    assert THROTTLED in errors(accept(PASSWORD))
    # The login's failures count at the portal login as well.
    assert THROTTLED in errors(portal_login(client, "john@example.com"))
    # From another address the right password accepts the invite.
    response = accept(PASSWORD, ip=OWNER)
    assert response.status_code == 302
