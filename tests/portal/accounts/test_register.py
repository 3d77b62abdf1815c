import pytest
from django.core import mail
from django.core.cache import cache
from django_scopes import scopes_disabled

from portal.accounts.models import User
from portal.families.models import (
    ContactAddress,
    ContactEmail,
    ContactPhone,
    CustomFieldValue,
    Family,
    Guardian,
)
from snippets.models import CustomField, ReferralSource
from tests.factories import make_family, make_organization, make_policy

pytestmark = pytest.mark.django_db

BASE = "/portal/swim/register/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def org():
    organization = make_organization(slug="swim")
    with scopes_disabled():
        ReferralSource.objects.create(organization=organization, name="Flyer")
    return organization


def _code_from_outbox():
    return next(w for w in mail.outbox[-1].subject.split() if w.isdigit())


GUARDIAN = {"first_name": "Sam", "last_name": "Lake", "relationship": "father"}
CONTACT = {
    "email": "sam@example.com",
    "email_type": "home",
    "subscribed": "no",
    "phone": "(217) 555-0188",
    "phone_type": "mobile",
    "sms_opt_in": "on",
    "phone2": "",
    "phone2_type": "home",
}
PASSWORD = {"password1": "swimming is fun", "password2": "swimming is fun"}
ADDRESS = {"line1": "5 Pond Rd", "city": "Springfield", "postal_code": "62704"}


def _walk_with_validation(client, email="sam@example.com"):
    assert client.get(BASE)["Location"] == BASE + "email/"
    r = client.post(BASE + "email/", {"email": email, "adult": "on"})
    assert r["Location"] == BASE + "code/"
    code = _code_from_outbox()
    r = client.post(BASE + "code/", {"code": code})
    assert r["Location"] == BASE + "guardian/"
    r = client.post(BASE + "guardian/", GUARDIAN)
    assert r["Location"] == BASE + "contact/"
    r = client.post(BASE + "contact/", CONTACT)
    assert r["Location"] == BASE + "password/"
    r = client.post(BASE + "password/", PASSWORD)
    assert r["Location"] == BASE + "address/"
    r = client.post(BASE + "address/", ADDRESS)
    assert r["Location"] == BASE + "confirm/"
    return r


def test_full_wizard_with_email_validation_creates_everything(client, org):
    _walk_with_validation(client)
    review = client.get(BASE + "confirm/").content.decode()
    assert "Sam Lake" in review and "5 Pond Rd" in review
    with scopes_disabled():
        assert not Family.objects.exists()  # nothing written before the end
    response = client.post(BASE + "confirm/", {})
    assert response.status_code == 302
    with scopes_disabled():
        guardian = Guardian.objects.select_related("family", "user").get()
        assert guardian.is_primary and guardian.relationship == "father"
        assert guardian.user.email == "sam@example.com"
        assert guardian.user.check_password("swimming is fun")
        assert not guardian.user.is_staff
        email = ContactEmail.objects.get()
        assert email.guardian == guardian and email.subscribed is False
        assert ContactPhone.objects.get().sms_opt_in is True
        assert ContactAddress.objects.get().line1 == "5 Pond Rd"
    assert "_auth_user_id" in client.session
    assert "Welcome to" in mail.outbox[-1].subject
    # The wizard's session state is gone.
    assert client.get(BASE)["Location"] == "/portal/swim/home/"


def test_no_family_policies_leads_to_create_a_student(client, org):
    _walk_with_validation(client)
    response = client.post(BASE + "confirm/", {})
    follow = client.get(response["Location"])
    assert follow["Location"] == "/portal/swim/account/students/start/"


def test_family_policies_must_be_accepted_after_creation(client, org):
    make_policy(org, title="Waiver", kind="family", required=True)
    _walk_with_validation(client)
    response = client.post(BASE + "confirm/", {})
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Waiver" in page.content.decode()


def test_password_is_never_kept_in_the_session(client, org):
    _walk_with_validation(client)
    state = str(dict(client.session))
    assert "swimming is fun" not in state
    assert "password_hash" in state


def test_back_keeps_what_was_typed_and_reload_survives(client, org):
    client.post(BASE + "email/", {"email": "sam@example.com", "adult": "on"})
    client.post(BASE + "code/", {"code": _code_from_outbox()})
    client.post(BASE + "guardian/", GUARDIAN)
    half = {**CONTACT, "phone": "555-0177", "email_type": "work"}
    back = client.post(BASE + "contact/", {**half, "back": "1"})
    assert back["Location"] == BASE + "guardian/"
    guardian_page = client.get(BASE + "guardian/").content.decode()
    assert 'value="Sam"' in guardian_page
    contact_page = client.get(BASE + "contact/").content.decode()
    assert 'value="555-0177"' in contact_page
    assert '<option value="work" selected>' in contact_page


def test_cannot_jump_ahead(client, org):
    response = client.get(BASE + "address/")
    assert response["Location"] == BASE + "email/"
    assert client.get(BASE + "nonsense/").status_code == 404


def test_wrong_code_is_refused_and_code_expires(client, org):
    import datetime

    import time_machine

    client.post(BASE + "email/", {"email": "sam@example.com", "adult": "on"})
    code = _code_from_outbox()
    wrong = "111111" if code != "111111" else "222222"
    response = client.post(BASE + "code/", {"code": wrong})
    assert "That code is not right" in response.content.decode()
    response = client.post(BASE + "code/", {"code": "12ab"})
    assert "Enter the 6 digits" in response.content.decode()
    with time_machine.travel(datetime.timedelta(minutes=11)):
        response = client.post(BASE + "code/", {"code": code})
    assert "expired" in response.content.decode()
    assert client.get(BASE + "guardian/")["Location"] == BASE + "code/"


def test_code_allows_only_a_few_tries(client, org):
    client.post(BASE + "email/", {"email": "sam@example.com", "adult": "on"})
    code = _code_from_outbox()
    wrong = "111111" if code != "111111" else "222222"
    for _ in range(5):
        client.post(BASE + "code/", {"code": wrong})
    response = client.post(BASE + "code/", {"code": code})
    assert "Too many tries" in response.content.decode()


def test_email_step_needs_adult_acknowledgement(client, org):
    response = client.post(BASE + "email/", {"email": "sam@example.com"})
    assert "Confirm that you are 18 or older." in response.content.decode()
    assert len(mail.outbox) == 0


def test_existing_login_gets_same_screen_but_an_account_exists_mail(client, org):
    make_family(org, email="taken@example.com")
    response = client.post(
        BASE + "email/", {"email": "taken@example.com", "adult": "on"}
    )
    assert response["Location"] == BASE + "code/"
    message = mail.outbox[-1]
    assert "already have" in message.subject
    assert not any(w.isdigit() and len(w) == 6 for w in message.subject.split())
    page = client.get(BASE + "code/").content.decode()
    assert "taken@example.com" in page
    refused = client.post(BASE + "code/", {"code": "123456"})
    assert "That code is not right" in refused.content.decode()


def test_without_validation_starts_at_the_name_and_asks_age_at_the_end(client, org):
    with scopes_disabled():
        settings = org.portal_settings
        settings.require_email_validation = False
        settings.save()
    assert client.get(BASE)["Location"] == BASE + "guardian/"
    client.post(BASE + "guardian/", GUARDIAN)
    client.post(BASE + "contact/", CONTACT)
    client.post(BASE + "password/", PASSWORD)
    client.post(BASE + "address/", ADDRESS)
    refused = client.post(BASE + "confirm/", {})
    assert "Confirm that you are 18 or older." in refused.content.decode()
    with scopes_disabled():
        assert not Family.objects.exists()
    ok = client.post(BASE + "confirm/", {"adult": "on"})
    assert ok.status_code == 302
    with scopes_disabled():
        assert Family.objects.count() == 1


def test_without_validation_a_taken_email_offers_log_in(client, org):
    with scopes_disabled():
        org.portal_settings.require_email_validation = False
        org.portal_settings.save()
    make_family(org, email="taken@example.com")
    client.post(BASE + "guardian/", GUARDIAN)
    response = client.post(BASE + "contact/", {**CONTACT, "email": "taken@example.com"})
    html = response.content.decode()
    assert "cannot start a new family" in html
    assert "/portal/swim/login/" in html and "/portal/swim/password/forgot/" in html


@pytest.mark.parametrize(
    "step,data,message",
    [
        (
            "guardian",
            {"first_name": "", "last_name": "X", "relationship": "father"},
            "This field is required.",
        ),
        (
            "guardian",
            {"first_name": "A", "last_name": "X", "relationship": "alien"},
            "Select a valid choice.",
        ),
        ("contact", {**CONTACT, "phone": "555-0100 ext 5"}, "Use digits"),
        ("contact", {**CONTACT, "phone": "12"}, "7 to 15 digits"),
        ("password", {"password1": "short", "password2": "short"}, "too short"),
        (
            "password",
            {"password1": "qwertyuiop", "password2": "qwertyuiop"},
            "too common",
        ),
        (
            "password",
            {"password1": "long enough one", "password2": "different one"},
            "not the same",
        ),
        (
            "address",
            {"line1": "", "city": "", "postal_code": ""},
            "This field is required.",
        ),
    ],
)
def test_bad_input_is_shown_and_nothing_saved(client, org, step, data, message):
    _walk_with_validation(client)
    response = client.post(BASE + f"{step}/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    with scopes_disabled():
        assert not Family.objects.exists()
    # A step with bad input is open again: the wizard cannot be finished.
    assert client.post(BASE + "confirm/", {})["Location"].startswith(BASE)
    with scopes_disabled():
        assert not Family.objects.exists()


def test_custom_fields_and_referral_source_are_saved(client, org):
    _walk_with_validation(client)
    with scopes_disabled():
        field = CustomField.objects.create(
            organization=org,
            label="Emergency contact",
            required=True,
            applies_to="family",
        )
        CustomField.objects.create(
            organization=org,
            label="Staff only",
            visible_to_customers=False,
            applies_to="family",
        )
        source = ReferralSource.objects.get(organization=org)
    client.post(BASE + "address/", {**ADDRESS, "referral_source": source.pk})
    page = client.get(BASE + "custom/").content.decode()
    assert "Emergency contact *" in page and "Staff only" not in page
    missing = client.post(BASE + "custom/", {})
    assert "This field is required." in missing.content.decode()
    client.post(BASE + "custom/", {f"custom_{field.pk}": "Grandma Lake"})
    client.post(BASE + "confirm/", {})
    with scopes_disabled():
        assert CustomFieldValue.objects.get().value == "Grandma Lake"
        assert Family.objects.get().referral_source == source


def test_referral_source_of_another_organization_is_refused(client, org):
    other = make_organization(slug="gym")
    with scopes_disabled():
        foreign = ReferralSource.objects.create(organization=other, name="Gym flyer")
    _walk_with_validation(client)
    response = client.post(
        BASE + "address/", {**ADDRESS, "referral_source": foreign.pk}
    )
    assert "Select a valid choice" in response.content.decode()


def test_registration_switched_off_is_404(client, org):
    with scopes_disabled():
        org.portal_settings.allow_account_creation = False
        org.portal_settings.save()
    assert client.get(BASE).status_code == 404
    assert client.get(BASE + "email/").status_code == 404


def test_wizard_state_is_per_organization(client, org):
    make_organization(slug="gym")
    client.post(BASE + "email/", {"email": "sam@example.com", "adult": "on"})
    assert (
        client.get("/portal/gym/register/")["Location"] == "/portal/gym/register/email/"
    )
    assert client.get(BASE)["Location"] == BASE + "code/"


def test_logged_in_guardian_elsewhere_can_start_a_family_here(client, org):
    other = make_organization(slug="gym")
    guardian = make_family(other, email="both@example.com")
    client.force_login(guardian.user)
    assert client.get(BASE)["Location"] == BASE + "guardian/"
    client.post(BASE + "guardian/", GUARDIAN)
    page = client.get(BASE + "contact/").content.decode()
    assert "both@example.com" in page
    client.post(BASE + "contact/", {**CONTACT, "email": "ignored@example.com"})
    assert client.get(BASE + "password/").status_code == 404
    client.post(BASE + "address/", ADDRESS)
    client.post(BASE + "confirm/", {})
    with scopes_disabled():
        assert Guardian.objects.filter(user=guardian.user).count() == 2
        assert User.objects.filter(email="both@example.com").count() == 1
