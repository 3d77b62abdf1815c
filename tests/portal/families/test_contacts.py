"""Account Information: emails, phones and mailing addresses of guardians."""

import pytest
from django_scopes import scopes_disabled

from portal.families.errors import FamilyError
from portal.families.models import ContactAddress, ContactEmail, ContactPhone
from portal.families.services import contact_add, contact_reassign
from tests.factories import make_organization

from .test_guardians import (
    accept_invite,
    card,
    make_primary,
    make_secondary,
    reload,
    url,
)

pytestmark = pytest.mark.django_db

VALID = {
    "email": {"email": "new@example.com", "email_type": "work", "subscribed": "no"},
    "phone": {"number": "555-0123", "phone_type": "home"},
    "address": {"line1": "9 Elm St", "city": "Shelbyville", "postal_code": "62565"},
}
MODELS = {"email": ContactEmail, "phone": ContactPhone, "address": ContactAddress}


@pytest.fixture
def org():
    return make_organization(slug="swim")


@pytest.fixture
def primary(org):
    return make_primary(org)


@pytest.fixture
def primary_client(client, primary):
    client.force_login(primary.user)
    return client


def count(kind, **filters):
    with scopes_disabled():
        return MODELS[kind].objects.filter(**filters).count()


def page(client, org):
    return client.get(f"/portal/{org.slug}/account/").content.decode()


def unassigned_phone(primary, number="555-0777"):
    with scopes_disabled():
        return contact_add(
            actor=primary,
            kind="phone",
            guardian=None,
            number=number,
            phone_type="home",
            sms_opt_in=True,
        )


def test_anonymous_is_sent_to_log_in(client, org):
    for path in ("contacts/phone/1/edit/", "contacts/phone/1/reassign/"):
        response = client.get(url(org, path))
        assert response.status_code == 302
        assert "/portal/swim/login/" in response["Location"]


# Add ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["email", "phone", "address"])
def test_primary_adds_contact_to_self_and_secondary(primary_client, org, primary, kind):
    john = make_secondary(primary, email=None)
    for guardian in (primary, john):
        path = url(org, f"guardians/{guardian.pk}/{kind}/add/")
        assert primary_client.get(path).status_code == 200
        response = primary_client.post(path, VALID[kind])
        assert response.status_code == 302
        assert count(kind, guardian=guardian, family=primary.family) == (
            1 if guardian == john else 2
        )


def test_new_email_and_phone_show_their_opt_outs(primary_client, org, primary):
    primary_client.post(url(org, f"guardians/{primary.pk}/email/add/"), VALID["email"])
    primary_client.post(url(org, f"guardians/{primary.pk}/phone/add/"), VALID["phone"])
    mary = card(page(primary_client, org), "Mary Smith")
    assert mary.count('<em class="unsubscribed">Unsubscribed</em>') == 2


EMAIL = {"email": "a@example.com", "email_type": "home", "subscribed": "yes"}
PHONE = {"number": "555-0123", "phone_type": "home"}
ADDRESS = VALID["address"]
BAD_INPUT = [
    ("email", {**EMAIL, "email": "mary@"}, "email", "Enter a valid email address."),
    ("email", {**EMAIL, "email": ""}, "email", "This field is required."),
    ("email", {**EMAIL, "subscribed": ""}, "subscribed", "This field is required."),
    ("email", {**EMAIL, "email_type": "pager"}, "email_type", "Select a valid"),
    ("phone", {**PHONE, "number": "555-CALL-ME"}, "number", "7 to 15 digits."),
    ("phone", {**PHONE, "number": "555 0100 abc"}, "number", "Use digits, spaces"),
    ("address", {**ADDRESS, "city": ""}, "city", "This field is required."),
    ("address", {**ADDRESS, "line1": " "}, "line1", "This field is required."),
]


@pytest.mark.parametrize(("kind", "data", "field", "message"), BAD_INPUT)
def test_add_bad_input_shows_error_at_field_and_saves_nothing(
    primary_client, org, primary, kind, data, field, message
):
    before = count(kind)
    response = primary_client.post(
        url(org, f"guardians/{primary.pk}/{kind}/add/"), data
    )
    assert response.status_code == 200
    html = response.content.decode()
    error = html.split(f'id="id_{field}_error"')[1].split("</ul>")[0]
    assert message in error
    assert f'aria-describedby="id_{field}_error' in html or "aria-invalid" in html
    assert count(kind) == before


def test_unknown_kind_is_404(primary_client, org, primary):
    assert (
        primary_client.get(url(org, f"guardians/{primary.pk}/fax/add/")).status_code
        == 404
    )
    assert primary_client.get(url(org, "contacts/fax/1/edit/")).status_code == 404


# Edit and delete -----------------------------------------------------------------


def test_edit_email_of_secondary(primary_client, org, primary):
    john = make_secondary(primary)
    with scopes_disabled():
        email = ContactEmail.objects.get(guardian=john)
    path = url(org, f"contacts/email/{email.pk}/edit/")
    assert "john@example.com" in primary_client.get(path).content.decode()
    response = primary_client.post(
        path,
        {"email": "john@work.example.com", "email_type": "work", "subscribed": "yes"},
    )
    assert response.status_code == 302
    email = reload(email)
    assert email.email == "john@work.example.com" and email.subscribed


def test_edit_bad_input_changes_nothing(primary_client, org, primary):
    with scopes_disabled():
        phone = ContactPhone.objects.get(guardian=primary)
    response = primary_client.post(
        url(org, f"contacts/phone/{phone.pk}/edit/"),
        {"number": "call me maybe", "phone_type": "mobile", "sms_opt_in": "on"},
    )
    assert response.status_code == 200
    assert 'id="id_number_error"' in response.content.decode()
    assert reload(phone).number == "555-0100"


def test_phone_sms_opt_out_is_marked_unsubscribed(primary_client, org, primary):
    with scopes_disabled():
        phone = ContactPhone.objects.get(guardian=primary)
    primary_client.post(
        url(org, f"contacts/phone/{phone.pk}/edit/"),
        {"number": "555-0100", "phone_type": "mobile"},
    )
    assert not reload(phone).sms_opt_in
    mary = card(page(primary_client, org), "Mary Smith")
    assert "Unsubscribed" in mary.split("555-0100")[1].split("</li>")[0]


def test_edit_address(primary_client, org, primary):
    with scopes_disabled():
        address = ContactAddress.objects.get(guardian=primary)
    response = primary_client.post(
        url(org, f"contacts/address/{address.pk}/edit/"),
        {"line1": "2 Oak Ave", "city": "Springfield", "postal_code": "62702"},
    )
    assert response.status_code == 302
    assert reload(address).line1 == "2 Oak Ave"


def test_login_email_can_change_subscription_but_not_address(
    primary_client, org, primary
):
    with scopes_disabled():
        login = ContactEmail.objects.get(email="mary@example.com")
    path = url(org, f"contacts/email/{login.pk}/edit/")
    html = primary_client.get(path).content.decode()
    assert "cannot be changed here" in html and "disabled" in html
    response = primary_client.post(
        path, {"email": "evil@example.com", "email_type": "home", "subscribed": "no"}
    )
    assert response.status_code == 302
    login = reload(login)
    assert login.email == "mary@example.com" and not login.subscribed


def test_login_email_cannot_be_deleted_or_reassigned(primary_client, org, primary):
    make_secondary(primary)
    with scopes_disabled():
        login = ContactEmail.objects.get(email="mary@example.com")
    delete = url(org, f"contacts/email/{login.pk}/delete/")
    html = primary_client.get(delete).content.decode()
    assert "login email" in html and 'type="submit"' not in html.split("<main")[1]
    assert primary_client.post(delete).status_code == 409
    reassign = url(org, f"contacts/email/{login.pk}/reassign/")
    assert primary_client.post(reassign, {"target": "unassigned"}).status_code == 200
    login = reload(login)
    assert login.guardian_id == primary.pk
    mary = card(page(primary_client, org), "Mary Smith")
    login_item = mary.split("mary@example.com")[1].split("</li>")[0]
    assert "Delete" not in login_item and "Reassign" not in login_item


@pytest.mark.parametrize("kind", ["email", "phone", "address"])
def test_delete_contact(primary_client, org, primary, kind):
    make_secondary(primary)  # an email and a phone for John
    with scopes_disabled():
        contact = (
            MODELS[kind].objects.filter(family=primary.family).order_by("-pk").first()
        )
    path = url(org, f"contacts/{kind}/{contact.pk}/delete/")
    assert primary_client.get(path).status_code == 200
    assert count(kind, pk=contact.pk) == 1
    assert primary_client.post(path).status_code == 302
    assert count(kind, pk=contact.pk) == 0


# Reassign ----------------------------------------------------------------------


def test_unassigned_phone_reassigned_to_a_guardian(primary_client, org, primary):
    john = make_secondary(primary, email=None)
    phone = unassigned_phone(primary)
    path = url(org, f"contacts/phone/{phone.pk}/reassign/")
    html = primary_client.get(path).content.decode()
    assert "John Smith" in html and "Mary Smith" in html
    assert 'value="unassigned"' not in html  # it is Unassigned already
    response = primary_client.post(path, {"target": str(john.pk)})
    assert response.status_code == 302
    assert reload(phone).guardian_id == john.pk
    assert "Unassigned" not in page(primary_client, org).split("</h2>", 2)[2]


def test_own_phone_moved_to_unassigned(primary_client, org, primary):
    with scopes_disabled():
        phone = ContactPhone.objects.get(guardian=primary)
    response = primary_client.post(
        url(org, f"contacts/phone/{phone.pk}/reassign/"), {"target": "unassigned"}
    )
    assert response.status_code == 302
    assert reload(phone).guardian is None
    assert "555-0100" in card(page(primary_client, org), "Unassigned")


@pytest.mark.parametrize("where", ["other-family", "other-organization"])
def test_reassign_to_guardian_of_another_family_is_refused(
    primary_client, org, primary, where
):
    other_org = org if where == "other-family" else make_organization(slug="gym")
    other = make_primary(other_org, email="other@example.com", last_name="Jones")
    phone = unassigned_phone(primary)
    response = primary_client.post(
        url(org, f"contacts/phone/{phone.pk}/reassign/"), {"target": str(other.pk)}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice." in html.split('id="id_target_error"')[1]
    assert reload(phone).guardian is None


def test_reassign_to_secondary_who_logs_in_is_refused(primary_client, org, primary):
    john = accept_invite(primary, make_secondary(primary))
    phone = unassigned_phone(primary)
    path = url(org, f"contacts/phone/{phone.pk}/reassign/")
    assert f'value="{john.pk}"' not in primary_client.get(path).content.decode()
    response = primary_client.post(path, {"target": str(john.pk)})
    assert response.status_code == 200
    assert reload(phone).guardian is None


def test_reassign_bad_input_changes_nothing(primary_client, org, primary):
    phone = unassigned_phone(primary)
    path = url(org, f"contacts/phone/{phone.pk}/reassign/")
    for target in ("", "abc", "999999"):
        response = primary_client.post(path, {"target": target})
        assert response.status_code == 200
        assert 'id="id_target_error"' in response.content.decode()
    assert reload(phone).guardian is None


def test_service_refuses_moving_data_of_secondary_who_logs_in(org, primary):
    """Not only the view: the service keeps a logged-in secondary's data theirs."""
    john = accept_invite(primary, make_secondary(primary))
    with scopes_disabled():
        second = ContactPhone.objects.get(guardian=john)
        with pytest.raises(FamilyError) as caught:
            contact_reassign(actor=primary, contact=second, guardian=None)
        assert caught.value.code == "guardian_has_login"
        assert reload(second).guardian_id == john.pk


# A secondary guardian who logs in ------------------------------------------------


@pytest.fixture
def john_client(client, primary):
    john = accept_invite(primary, make_secondary(primary))
    client.force_login(john.user)
    return client, john


def test_secondary_adds_and_edits_own_contacts(john_client, org):
    client, john = john_client
    response = client.post(
        url(org, f"guardians/{john.pk}/address/add/"), VALID["address"]
    )
    assert response.status_code == 302
    assert count("address", guardian=john) == 1
    with scopes_disabled():
        phone = ContactPhone.objects.get(guardian=john)
    response = client.post(
        url(org, f"contacts/phone/{phone.pk}/edit/"),
        {"number": "555-0188", "phone_type": "work", "sms_opt_in": "on"},
    )
    assert response.status_code == 302
    assert reload(phone).number == "555-0188" and reload(phone).sms_opt_in
    assert "555-0188" in card(page(client, org), "John Smith")


def test_secondary_cannot_touch_others_or_unassigned_data(john_client, org, primary):
    client, john = john_client
    stray = unassigned_phone(primary)
    with scopes_disabled():
        mary_phone = ContactPhone.objects.get(guardian=primary)
        own_phone = ContactPhone.objects.get(guardian=john)
    refused = [
        ("get", f"contacts/phone/{mary_phone.pk}/edit/"),
        ("post", f"contacts/phone/{mary_phone.pk}/edit/"),
        ("post", f"contacts/phone/{mary_phone.pk}/delete/"),
        ("get", f"contacts/phone/{stray.pk}/edit/"),
        ("post", f"contacts/phone/{stray.pk}/delete/"),
        ("post", f"contacts/phone/{stray.pk}/reassign/"),
        ("post", f"contacts/phone/{own_phone.pk}/reassign/"),
    ]
    data = {"number": "555-0999", "phone_type": "home", "target": str(john.pk)}
    for method, path in refused:
        response = getattr(client, method)(url(org, path), data)
        assert response.status_code == 404, (method, path)
    assert reload(mary_phone).number == "555-0100"
    assert reload(stray).guardian is None and reload(stray).number == "555-0777"
    assert reload(own_phone).guardian_id == john.pk
    html = page(client, org)
    assert "555-0777" not in html  # no Unassigned column for a secondary


# Tenancy -----------------------------------------------------------------------

CONTACT_URLS = [
    ("get", "edit"),
    ("post", "edit"),
    ("get", "delete"),
    ("post", "delete"),
    ("get", "reassign"),
    ("post", "reassign"),
]


@pytest.mark.parametrize("kind", ["email", "phone", "address"])
@pytest.mark.parametrize(("method", "action"), CONTACT_URLS)
@pytest.mark.parametrize("where", ["other-family", "other-organization"])
def test_contact_of_another_family_or_organization_is_404(
    primary_client, org, primary, kind, method, action, where
):
    other_org = org if where == "other-family" else make_organization(slug="gym")
    other = make_primary(other_org, email="other@example.com", last_name="Jones")
    with scopes_disabled():
        contact = MODELS[kind].objects.get(guardian=other)
        before = {
            f.name: getattr(contact, f.name) for f in MODELS[kind]._meta.concrete_fields
        }
    data = {
        **VALID[kind],
        "subscribed": "yes",
        "target": str(primary.pk),
    }
    response = getattr(primary_client, method)(
        url(org, f"contacts/{kind}/{contact.pk}/{action}/"), data
    )
    assert response.status_code == 404
    with scopes_disabled():
        contact = MODELS[kind].objects.filter(pk=contact.pk).first()
        assert contact is not None
        after = {
            f.name: getattr(contact, f.name) for f in MODELS[kind]._meta.concrete_fields
        }
    assert after == before
