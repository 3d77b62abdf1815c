import pytest
from django.core import mail
from django.core.cache import cache
from django_scopes import scopes_disabled

from tests.factories import make_family, make_organization, make_policy, make_staff

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org():
    return make_organization(slug="swim", locations=2)


def _login(client, email, password=PASSWORD, **extra):
    return client.post(
        "/portal/swim/login/", {"email": email, "password": password, **extra}
    )


def test_login_starts_a_family_session_and_rotates_the_session_key(client, org):
    guardian = make_family(org, email="mom@example.com")
    client.get("/portal/swim/login/")
    before = client.session.session_key
    response = _login(client, "MOM@example.com")
    assert response.status_code == 302
    assert response["Location"] == "/portal/swim/home/"
    assert client.session.session_key != before
    home = client.get("/portal/swim/home/")
    assert home.wsgi_request.family == guardian.family
    assert "tile-login" not in home.content.decode()
    assert "Log Out" in home.content.decode()


def test_login_honours_next_inside_the_portal_only(client, org):
    make_family(org, email="mom@example.com")
    response = _login(client, "mom@example.com", next="/portal/swim/account/")
    assert response["Location"] == "/portal/swim/account/"
    client.logout()
    response = _login(client, "mom@example.com", next="https://evil.example.com/")
    assert response["Location"] == "/portal/swim/home/"


def test_wrong_password_and_unknown_email_get_the_same_answer(client, org):
    make_family(org, email="mom@example.com")
    wrong = _login(client, "mom@example.com", "not-the-password")
    unknown = _login(client, "nobody@example.com", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        assert "The email or password is not right." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_of_another_organization_is_refused(client, org):
    other = make_organization(slug="gym")
    make_family(other, email="gymmom@example.com")
    response = _login(client, "gymmom@example.com")
    assert "The email or password is not right." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_form_bad_input(client, org):
    response = client.post("/portal/swim/login/", {"email": "nope", "password": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address." in html
    assert "This field is required." in html


def test_suspended_family_is_refused_with_contact_details(client, org):
    guardian = make_family(org, email="mom@example.com")
    with scopes_disabled():
        guardian.family.is_suspended = True
        guardian.family.save()
    response = _login(client, "mom@example.com")
    html = response.content.decode()
    assert "suspended" in html
    assert "555-0100" in html  # the location's phone
    assert "loc0@example.com" in html
    assert "_auth_user_id" not in client.session


def test_suspending_a_logged_in_family_ends_its_portal_access(client, org):
    guardian = make_family(org, email="mom@example.com")
    _login(client, "mom@example.com")
    with scopes_disabled():
        guardian.family.is_suspended = True
        guardian.family.save()
    response = client.get("/portal/swim/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/swim/login/")


def test_logout_needs_post_and_ends_the_session(client, org):
    make_family(org, email="mom@example.com")
    _login(client, "mom@example.com")
    assert client.get("/portal/swim/logout/").status_code == 405
    response = client.post("/portal/swim/logout/")
    assert response["Location"] == "/portal/swim/"
    assert "_auth_user_id" not in client.session


def test_pending_required_policies_come_first_at_login(client, org):
    make_policy(org, title="Waiver", kind="family", required=True)
    make_family(org, email="mom@example.com")
    response = _login(client, "mom@example.com")
    assert response["Location"] == "/portal/swim/account/policies/"


def test_parent_never_reaches_the_admin(client, org):
    make_family(org, email="mom@example.com")
    _login(client, "mom@example.com")
    response = client.get("/admin/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/admin/login/" in response["Location"]


def test_staff_login_is_not_a_family_login(client, org):
    staff = make_staff(org, email="staff@example.com")
    assert staff.is_staff
    response = _login(client, "staff@example.com")
    assert "The email or password is not right." in response.content.decode()


def test_forgot_password_same_response_and_reset_ends_other_sessions(client, org):
    from django.test import Client

    make_family(org, email="mom@example.com")
    other_device = Client()
    _login(other_device, "mom@example.com")
    assert other_device.get("/portal/swim/account/").status_code == 200

    unknown = client.post("/portal/swim/password/forgot/", {"email": "x@example.com"})
    assert unknown["Location"] == "/portal/swim/password/reset/"
    assert len(mail.outbox) == 0
    known = client.post("/portal/swim/password/forgot/", {"email": "mom@example.com"})
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.alternatives and message.alternatives[0][1] == "text/html"
    code = next(w for w in message.subject.split() if w.isdigit())

    bad = client.post(
        "/portal/swim/password/reset/",
        {
            "code": "000000" if code != "000000" else "111111",
            "password1": "a brand new pass",
            "password2": "a brand new pass",
        },
    )
    assert "That code is not right" in bad.content.decode()
    ok = client.post(
        "/portal/swim/password/reset/",
        {
            "code": code,
            "password1": "a brand new pass",
            "password2": "a brand new pass",
        },
    )
    assert ok.status_code == 302
    assert client.get("/portal/swim/account/").status_code == 200
    # The other device's session ended with the password change.
    assert other_device.get("/portal/swim/account/").status_code == 302
    client.post("/portal/swim/logout/")
    assert _login(client, "mom@example.com", "a brand new pass").status_code == 302


def test_reset_code_is_single_use_and_expires(client, org):
    import datetime

    import time_machine

    make_family(org, email="mom@example.com")
    client.post("/portal/swim/password/forgot/", {"email": "mom@example.com"})
    code = next(w for w in mail.outbox[-1].subject.split() if w.isdigit())
    data = {
        "code": code,
        "password1": "another good one",
        "password2": "another good one",
    }
    with time_machine.travel(datetime.timedelta(minutes=11)):
        expired = client.post("/portal/swim/password/reset/", data)
    assert "expired" in expired.content.decode()
    client.post("/portal/swim/password/forgot/", {"email": "mom@example.com"})
    code = next(w for w in mail.outbox[-1].subject.split() if w.isdigit())
    data["code"] = code
    assert client.post("/portal/swim/password/reset/", data).status_code == 302
    client.post("/portal/swim/logout/")
    client.post("/portal/swim/password/forgot/", {"email": "mom@example.com"})
    again = client.post("/portal/swim/password/reset/", data)
    assert "That code is not right" in again.content.decode()


@pytest.mark.parametrize(
    "password,message",
    [("short", "too short"), ("password123", "too common"), ("", "required")],
)
def test_reset_refuses_weak_passwords(client, org, password, message):
    make_family(org, email="mom@example.com")
    client.post("/portal/swim/password/forgot/", {"email": "mom@example.com"})
    code = next(w for w in mail.outbox[-1].subject.split() if w.isdigit())
    response = client.post(
        "/portal/swim/password/reset/",
        {"code": code, "password1": password, "password2": password},
    )
    assert message in response.content.decode()


def test_change_password_asks_for_the_current_one(client, org):
    make_family(org, email="mom@example.com")
    _login(client, "mom@example.com")
    bad = client.post(
        "/portal/swim/account/security/",
        {
            "current": "wrong",
            "password1": "fresh password 1",
            "password2": "fresh password 1",
        },
    )
    assert "current password is not right" in bad.content.decode()
    ok = client.post(
        "/portal/swim/account/security/",
        {
            "current": PASSWORD,
            "password1": "fresh password 1",
            "password2": "fresh password 1",
        },
    )
    assert ok.status_code == 302
    assert client.get("/portal/swim/account/").status_code == 200  # still logged in
    client.post("/portal/swim/logout/")
    assert _login(client, "mom@example.com", "fresh password 1").status_code == 302


def test_switch_family_between_two_families(client, org):
    from portal.families.models import Guardian

    first = make_family(org, email="mom@example.com", last_name="Alpha")
    second = make_family(org, email="other@example.com", last_name="Beta")
    with scopes_disabled():
        Guardian.objects.create(
            organization=org,
            family=second.family,
            user=first.user,
            first_name="Jordan",
            last_name="Alpha",
            invite_status="accepted",
        )
    _login(client, "mom@example.com")
    html = client.get("/portal/swim/home/").content.decode()
    assert "Switch Family" in html
    response = client.post(
        "/portal/swim/account/switch-family/", {"family": second.family.pk}
    )
    assert response.status_code == 302
    assert client.get("/portal/swim/home/").wsgi_request.family == second.family
    stranger = make_family(org, email="x@example.com")
    refused = client.post(
        "/portal/swim/account/switch-family/", {"family": stranger.family.pk}
    )
    assert refused.status_code == 404


def test_switch_organization_lists_the_logins_other_portals(client, org):
    other = make_organization(name="Gym Two", slug="gymtwo")
    guardian = make_family(org, email="mom@example.com")
    from portal.families.services import family_register

    with scopes_disabled():
        family_register(
            organization=other,
            email="",
            password_hash="",
            user=guardian.user,
            first_name="Jordan",
            last_name="Two",
            relationship="mother",
            emails=[],
            phones=[],
            address={},
            send_welcome=False,
        )
    _login(client, "mom@example.com")
    html = client.get("/portal/swim/home/").content.decode()
    assert "Switch Organization: Gym Two" in html
    assert client.get("/portal/gymtwo/home/").wsgi_request.family is not None


def _reset_password(client, email, password="a brand new pass"):
    client.post("/portal/swim/password/forgot/", {"email": email})
    code = next(w for w in mail.outbox[-1].subject.split() if w.isdigit())
    return client.post(
        "/portal/swim/password/reset/",
        {"code": code, "password1": password, "password2": password},
        follow=True,
    )


def test_after_a_reset_the_parent_is_told_they_are_logged_in(client, org):
    make_family(org, email="mom@example.com")
    page = _reset_password(client, "mom@example.com")
    html = page.content.decode()
    assert page.redirect_chain[-1][0] == "/portal/swim/home/"
    assert "Your password is changed." in html
    assert "Please log in" not in html
    assert "Log Out" in html


def test_after_a_reset_without_portal_access_the_parent_is_asked_to_log_in(client, org):
    guardian = make_family(org, email="mom@example.com")
    with scopes_disabled():
        guardian.family.is_suspended = True
        guardian.family.save()
    page = _reset_password(client, "mom@example.com")
    html = page.content.decode()
    assert page.redirect_chain[-1][0] == "/portal/swim/login/"
    assert "Your password is changed. Please log in." in html
    assert "_auth_user_id" not in client.session
