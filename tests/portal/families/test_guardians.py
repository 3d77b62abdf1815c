"""Account Information: guardians, their roles, and secondary guardian invites."""

import re

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django_scopes import scopes_disabled

from portal.families.models import (
    ContactEmail,
    ContactPhone,
    Guardian,
    InviteStatus,
)
from portal.families.services import (
    contact_add,
    family_register,
    guardian_add,
    guardian_invite_accept,
    guardian_invite_send,
)
from tests.factories import make_organization

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"
NEW_PASSWORD = "a long enough secret"


# Helpers (shared with test_contacts.py) --------------------------------------


def make_primary(organization, email="mary@example.com", last_name="Smith"):
    """A registered family: its primary guardian with a login and contacts."""
    with scopes_disabled():
        return family_register(
            organization=organization,
            email=email,
            password_hash=make_password(PASSWORD),
            first_name="Mary",
            last_name=last_name,
            relationship="mother",
            emails=[{"email": email, "email_type": "home", "subscribed": True}],
            phones=[{"number": "555-0100", "phone_type": "mobile", "sms_opt_in": True}],
            address={
                "line1": "1 Main St",
                "city": "Springfield",
                "postal_code": "62701",
            },
        )


def make_secondary(primary, first_name="John", email="john@example.com", **kw):
    """A secondary guardian (not invited), with an email unless email=None."""
    with scopes_disabled():
        guardian = guardian_add(
            actor=primary,
            first_name=first_name,
            last_name=primary.last_name,
            relationship=kw.pop("relationship", "father"),
            may_make_payments=kw.pop("may_make_payments", False),
        )
        if email:
            contact_add(
                actor=primary,
                kind="email",
                guardian=guardian,
                email=email,
                email_type="work",
                subscribed=False,
            )
            contact_add(
                actor=primary,
                kind="phone",
                guardian=guardian,
                number="555-0199",
                phone_type="mobile",
                sms_opt_in=False,
            )
    return guardian


def accept_invite(primary, secondary):
    """The secondary guardian accepted an invite: they log in now."""
    with scopes_disabled():
        token = guardian_invite_send(actor=primary, guardian=secondary)
        return guardian_invite_accept(
            organization=primary.organization, token=token, password=NEW_PASSWORD
        )


def reload(obj):
    with scopes_disabled():
        obj.refresh_from_db()
    return obj


def url(org, path):
    return f"/portal/{org.slug}/account/{path}"


def account_html(client, org):
    response = client.get(f"/portal/{org.slug}/account/")
    assert response.status_code == 200
    return response.content.decode()


def card(html, name):
    """The HTML of one guardian's column on the account page."""
    match = re.search(
        r'<article class="guardian-card"[^>]*>\s*<h3[^>]*>'
        + re.escape(name)
        + r".*?</article>",
        html,
        re.S,
    )
    assert match, f"no column for {name}"
    return match.group(0)


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


def invite_path(message):
    """The path of the invite link in an e-mail."""
    link = re.search(r"https?://[^/\s]+(/portal/\S+/invite/\S+/)", message.body)
    assert link, message.body
    return link.group(1)


# The page --------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, org):
    for path in ("", "guardians/add/", "guardians/1/edit/", "contacts/email/1/edit/"):
        response = client.get(url(org, path))
        assert response.status_code == 302
        assert response["Location"].startswith("/portal/swim/login/?next=")
    response = client.post(url(org, "guardians/1/invite/"))
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/swim/login/")


def test_columns_primary_first_with_roles_login_and_unsubscribed(
    primary_client, org, primary
):
    with scopes_disabled():
        contact_add(
            actor=primary,
            kind="email",
            guardian=primary,
            email="mary.work@example.com",
            email_type="work",
            subscribed=False,
        )
    make_secondary(primary)
    html = account_html(primary_client, org)
    assert html.index("Mary Smith") < html.index("John Smith")
    mary_card = card(html, "Mary Smith")
    assert "Primary guardian" in mary_card and "Mother" in mary_card
    login_item = re.search(r"<li>\s*mary@example.com.*?</li>", mary_card, re.S)[0]
    assert ">Login<" in login_item and "Unsubscribed" not in login_item
    work_item = re.search(r"<li>\s*mary.work@example.com.*?</li>", mary_card, re.S)[0]
    assert '<em class="unsubscribed">Unsubscribed</em>' in work_item
    assert ">Login<" not in work_item
    john_card = card(html, "John Smith")
    assert "Secondary guardian" in john_card and "Father" in john_card
    assert "john@example.com" in john_card and "555-0199" in john_card
    # The phone without text messages is marked too.
    phone_item = re.search(r"<li>\s*555-0199.*?</li>", john_card, re.S)[0]
    assert "Unsubscribed" in phone_item
    assert "Not invited" in john_card and "Send Invite Email" in john_card
    assert "Unassigned" not in html.split('id="info-heading"')[1].split("</section>")[0]


def test_unassigned_column_when_there_is_unassigned_data(primary_client, org, primary):
    with scopes_disabled():
        contact_add(
            actor=primary,
            kind="phone",
            guardian=None,
            number="555-0777",
            phone_type="home",
            sms_opt_in=True,
        )
    html = account_html(primary_client, org)
    unassigned = card(html, "Unassigned")
    assert "555-0777" in unassigned and "Reassign" in unassigned


# Add, edit, delete -------------------------------------------------------------


def test_primary_adds_guardian_with_email_and_phone(primary_client, org, primary):
    response = primary_client.post(
        url(org, "guardians/add/"),
        {
            "first_name": "Gran",
            "last_name": "Smith",
            "relationship": "grandparent",
            "may_make_payments": "on",
            "email": "gran@example.com",
            "email_type": "home",
            "phone": "(555) 010-2030",
            "phone_type": "home",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/portal/swim/account/#account-information"
    with scopes_disabled():
        gran = Guardian.objects.get(first_name="Gran")
        assert gran.family_id == primary.family_id
        assert not gran.is_primary and gran.may_make_payments
        assert gran.invite_status == InviteStatus.NOT_INVITED
        assert ContactEmail.objects.get(guardian=gran).email == "gran@example.com"
        phone = ContactPhone.objects.get(guardian=gran)
        assert phone.number == "(555) 010-2030" and not phone.sms_opt_in
    html = account_html(primary_client, org)
    assert "gran@example.com" in card(html, "Gran Smith")


def test_add_guardian_without_contacts(primary_client, org):
    response = primary_client.post(
        url(org, "guardians/add/"),
        {"first_name": "Ann", "last_name": "Lee", "relationship": "other"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        ann = Guardian.objects.get(first_name="Ann")
        assert not ann.may_make_payments
        assert not ContactEmail.objects.filter(guardian=ann).exists()
    html = account_html(client=primary_client, org=org)
    assert "Add an email to send an invite." in card(html, "Ann Lee")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "This field is required."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("phone", "555-0100 ext", "Use digits"),
        ("phone", "12", "7 to 15 digits"),
        ("relationship", "boss", "Select a valid choice."),
    ],
)
def test_add_guardian_bad_input_saves_nothing(
    primary_client, org, field, value, message
):
    data = {
        "first_name": "Gran",
        "last_name": "Smith",
        "relationship": "grandparent",
        "email": "gran@example.com",
        "email_type": "home",
        "phone": "555-0102",
        "phone_type": "home",
        field: value,
    }
    response = primary_client.post(url(org, "guardians/add/"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    # The message sits with its field: the error list names the field.
    assert f'id="id_{field}_error"' in html
    with scopes_disabled():
        assert Guardian.objects.count() == 1
        assert ContactEmail.objects.count() == 1
        assert ContactPhone.objects.count() == 1


def test_add_guardian_refused_half_way_leaves_nothing_behind(
    primary_client, org, monkeypatch
):
    """The guardian and their first contacts are saved together or not at all."""
    from portal.families import guardian_views
    from portal.families.errors import FamilyError

    real_contact_add = guardian_views.contact_add

    def refuse_phone(*, kind, **kwargs):
        if kind == "phone":
            raise FamilyError("no_such_contact")
        return real_contact_add(kind=kind, **kwargs)

    monkeypatch.setattr(guardian_views, "contact_add", refuse_phone)
    response = primary_client.post(
        url(org, "guardians/add/"),
        {
            "first_name": "Gran",
            "last_name": "Smith",
            "relationship": "grandparent",
            "email": "gran@example.com",
            "phone": "555-0102",
        },
    )
    assert response.status_code == 200
    assert "does not belong to this family" in response.content.decode()
    with scopes_disabled():
        assert not Guardian.objects.filter(first_name="Gran").exists()
        assert not ContactEmail.objects.filter(email="gran@example.com").exists()


def test_primary_edits_secondary_name(primary_client, org, primary):
    john = make_secondary(primary)
    edit = url(org, f"guardians/{john.pk}/edit/")
    assert 'value="John"' in primary_client.get(edit).content.decode()
    response = primary_client.post(
        edit, {"first_name": "Johnny", "last_name": "Smith", "relationship": "father"}
    )
    assert response.status_code == 302
    assert reload(john).first_name == "Johnny"


def test_edit_guardian_bad_input_saves_nothing(primary_client, org, primary):
    john = make_secondary(primary)
    response = primary_client.post(
        url(org, f"guardians/{john.pk}/edit/"),
        {"first_name": "  ", "last_name": "Smith", "relationship": "father"},
    )
    assert response.status_code == 200
    assert 'id="id_first_name_error"' in response.content.decode()
    assert reload(john).first_name == "John"


def test_primary_edits_own_name(primary_client, org, primary):
    response = primary_client.post(
        url(org, f"guardians/{primary.pk}/edit/"),
        {"first_name": "Maria", "last_name": "Smith", "relationship": "mother"},
    )
    assert response.status_code == 302
    assert reload(primary).first_name == "Maria"


def test_delete_guardian_moves_contacts_to_unassigned(primary_client, org, primary):
    john = make_secondary(primary)
    path = url(org, f"guardians/{john.pk}/delete/")
    assert "Delete John Smith?" in primary_client.get(path).content.decode()
    assert primary_client.post(path).status_code == 302
    with scopes_disabled():
        assert not Guardian.objects.filter(pk=john.pk).exists()
        assert ContactEmail.objects.get(email="john@example.com").guardian is None
    assert "john@example.com" in card(account_html(primary_client, org), "Unassigned")


def test_primary_guardian_cannot_be_deleted(primary_client, org, primary):
    path = url(org, f"guardians/{primary.pk}/delete/")
    assert primary_client.get(path).status_code == 404
    assert primary_client.post(path).status_code == 404
    with scopes_disabled():
        assert Guardian.objects.filter(pk=primary.pk, is_primary=True).exists()


def test_payment_permission_toggle(primary_client, org, primary):
    john = make_secondary(primary)
    path = url(org, f"guardians/{john.pk}/payments/")
    assert primary_client.get(path).status_code == 405
    assert primary_client.post(path, {"allowed": "yes"}).status_code == 302
    assert reload(john).may_make_payments
    html = account_html(primary_client, org)
    assert "Don't Allow Payments" in card(html, "John Smith")
    primary_client.post(path, {"allowed": "no"})
    assert not reload(john).may_make_payments
    # Bad input changes nothing.
    primary_client.post(path, {"allowed": "maybe"})
    assert not reload(john).may_make_payments
    # The primary guardian's own permission is not a toggle.
    assert (
        primary_client.post(
            url(org, f"guardians/{primary.pk}/payments/"), {"allowed": "no"}
        ).status_code
        == 404
    )
    assert reload(primary).may_make_payments


# Invites -----------------------------------------------------------------------


def test_invite_email_link_lets_the_secondary_log_in(primary_client, org, primary):
    john = make_secondary(primary)
    mail.outbox.clear()
    response = primary_client.post(url(org, f"guardians/{john.pk}/invite/"))
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["john@example.com"]
    assert "Mary Smith" in message.body
    html_part, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    path = invite_path(message)
    assert path in html_part
    assert reload(john).invite_status == InviteStatus.SENT
    page = account_html(primary_client, org)
    john_card = card(page, "John Smith")
    assert "Invite Sent" in john_card and "Re-Send Invite Email" in john_card
    assert "Revoke" in john_card and "Reset Password" not in john_card

    primary_client.logout()
    assert primary_client.get(path).status_code == 200
    response = primary_client.post(
        path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    john = reload(john)
    assert john.invite_status == InviteStatus.ACCEPTED
    assert john.user.email == "john@example.com"
    response = primary_client.get(url(org, ""))
    assert response.wsgi_request.guardian == john
    assert response.wsgi_request.family == primary.family
    assert "John Smith" in response.content.decode()
    # The link is used up.
    assert primary_client.get(path).status_code == 404


def test_invite_needs_an_email(primary_client, org, primary):
    ann = make_secondary(primary, first_name="Ann", email=None)
    mail.outbox.clear()
    response = primary_client.post(url(org, f"guardians/{ann.pk}/invite/"), follow=True)
    assert "Add an email address for this guardian first." in response.content.decode()
    assert mail.outbox == []
    assert reload(ann).invite_status == InviteStatus.NOT_INVITED


def test_resent_invite_voids_the_older_link(client, primary_client, org, primary):
    john = make_secondary(primary)
    mail.outbox.clear()
    primary_client.post(url(org, f"guardians/{john.pk}/invite/"))
    primary_client.post(url(org, f"guardians/{john.pk}/invite/"))
    assert len(mail.outbox) == 2
    old, new = (invite_path(m) for m in mail.outbox)
    assert old != new
    primary_client.logout()
    assert client.get(old).status_code == 404
    response = client.post(old, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 404
    assert reload(john).user is None
    assert client.get(new).status_code == 200


def test_revoke_voids_the_link(primary_client, org, primary):
    john = make_secondary(primary)
    mail.outbox.clear()
    primary_client.post(url(org, f"guardians/{john.pk}/invite/"))
    path = invite_path(mail.outbox[0])
    assert primary_client.post(url(org, f"guardians/{john.pk}/revoke/")).status_code
    assert reload(john).invite_status == InviteStatus.REVOKED
    assert "Invite Revoked" in card(account_html(primary_client, org), "John Smith")
    primary_client.logout()
    assert primary_client.get(path).status_code == 404


def test_revoke_removes_the_login(client, org, primary):
    john = accept_invite(primary, make_secondary(primary))
    client.force_login(john.user)
    assert client.get(url(org, "")).wsgi_request.guardian == john
    client.force_login(primary.user)
    response = client.post(url(org, f"guardians/{john.pk}/revoke/"))
    assert response.status_code == 302
    john = reload(john)
    assert john.user is None and john.invite_status == InviteStatus.REVOKED
    # The revoked login no longer reaches the family.
    with scopes_disabled():
        from portal.accounts.models import User

        login = User.objects.get(email="john@example.com")
    client.force_login(login)
    response = client.get(url(org, ""))
    assert response.status_code == 302 and "/login/" in response["Location"]
    # The primary sees the contact data again and may invite once more.
    client.force_login(primary.user)
    john_card = card(account_html(client, org), "John Smith")
    assert "john@example.com" in john_card and "Send Invite Email" in john_card


def test_revoke_of_a_guardian_never_invited_changes_nothing(
    primary_client, org, primary
):
    john = make_secondary(primary)
    response = primary_client.post(
        url(org, f"guardians/{john.pk}/revoke/"), follow=True
    )
    assert "has no invite or login to revoke" in response.content.decode()
    assert reload(john).invite_status == InviteStatus.NOT_INVITED


def test_reset_password_mails_a_secondary_a_link_and_no_code(
    primary_client, org, primary
):
    from portal.accounts.models import VerificationCode

    john = make_secondary(primary)
    path = url(org, f"guardians/{john.pk}/reset-password/")
    mail.outbox.clear()
    primary_client.post(path)
    assert mail.outbox == []  # not invited yet: nothing to reset
    accept_invite(primary, john)
    mail.outbox.clear()
    response = primary_client.post(path, follow=True)
    assert "John Smith was e-mailed a link to choose a new password." in (
        response.content.decode()
    )
    (message,) = mail.outbox
    assert message.to == ["john@example.com"]
    assert "Mary Smith asks you to choose a new" in message.subject
    assert "http://testserver/portal/swim/password/forgot/" in message.body
    # Nothing to guess: no code exists, and the primary's session holds no
    # reset in progress.
    assert not re.search(r"\b\d{6}\b", message.subject + message.body)
    with scopes_disabled():
        assert not VerificationCode.objects.exists()
    attempt = primary_client.post(
        "/portal/swim/password/reset/",
        {"code": "123456", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert attempt["Location"] == "/portal/swim/password/forgot/"


def test_the_secondary_resets_their_password_from_the_link(
    client, primary_client, org, primary
):
    john = accept_invite(primary, make_secondary(primary))
    mail.outbox.clear()
    primary_client.post(url(org, f"guardians/{john.pk}/reset-password/"))
    forgot = re.search(r"http://testserver(/\S+/)", mail.outbox[0].body)[1]
    primary_client.logout()
    client.post(forgot, {"email": "john@example.com"})
    code = re.search(r"\b\d{6}\b", mail.outbox[-1].subject)[0]
    done = client.post(
        "/portal/swim/password/reset/",
        {
            "code": code,
            "password1": "a new one for john",
            "password2": "a new one for john",
        },
    )
    assert done.status_code == 302
    assert client.get("/portal/swim/account/").wsgi_request.guardian == john


def test_reset_password_requests_are_limited(primary_client, org, primary):
    from portal.accounts.throttle import CODE_LIMITS

    john = accept_invite(primary, make_secondary(primary))
    path = url(org, f"guardians/{john.pk}/reset-password/")
    mail.outbox.clear()
    per_email = CODE_LIMITS["issue"][0]
    for _ in range(per_email):
        primary_client.post(path)
    refused = primary_client.post(path, follow=True)
    assert "Too many codes were asked for this email" in refused.content.decode()
    assert len(mail.outbox) == per_email


def test_primary_sees_only_name_status_and_actions_after_accept(
    primary_client, org, primary
):
    accept_invite(primary, make_secondary(primary))
    john_card = card(account_html(primary_client, org), "John Smith")
    assert "Can Log In" in john_card
    for action in ("Revoke", "Reset Password", "Allow Payments"):
        assert action in john_card
    for hidden in ("john@example.com", "555-0199", "Father", "Edit", "Delete"):
        assert hidden not in john_card
    assert "Send Invite Email" not in john_card


def test_primary_cannot_touch_accepted_secondarys_details(primary_client, org, primary):
    john = accept_invite(primary, make_secondary(primary))
    with scopes_disabled():
        email = ContactEmail.objects.get(guardian=john)
    refused = [
        ("get", f"guardians/{john.pk}/edit/", {}),
        ("post", f"guardians/{john.pk}/edit/", {"first_name": "X", "last_name": "Y"}),
        ("get", f"guardians/{john.pk}/delete/", {}),
        ("post", f"guardians/{john.pk}/delete/", {}),
        ("get", f"guardians/{john.pk}/email/add/", {}),
        ("post", f"guardians/{john.pk}/email/add/", {"email": "x@example.com"}),
        ("get", f"contacts/email/{email.pk}/edit/", {}),
        ("post", f"contacts/email/{email.pk}/edit/", {"email": "x@example.com"}),
        ("post", f"contacts/email/{email.pk}/delete/", {}),
        ("post", f"contacts/email/{email.pk}/reassign/", {"target": "unassigned"}),
    ]
    for method, path, data in refused:
        response = getattr(primary_client, method)(url(org, path), data)
        assert response.status_code == 404, (method, path)
    john = reload(john)
    assert john.first_name == "John"
    with scopes_disabled():
        assert ContactEmail.objects.filter(guardian=john).count() == 1
        assert reload(email).email == "john@example.com"


# A secondary guardian who logs in ------------------------------------------------


@pytest.fixture
def secondary_setup(client, org, primary):
    john = accept_invite(primary, make_secondary(primary))
    ann = make_secondary(primary, first_name="Ann", email="ann@example.com")
    client.force_login(john.user)
    return client, john, ann


def test_secondary_sees_own_details_and_others_by_name(secondary_setup, org):
    client, john, ann = secondary_setup
    html = account_html(client, org)
    own = card(html, "John Smith")
    assert "john@example.com" in own and ">Login<" in own and "Edit" in own
    assert "Reassign" not in own
    mary = card(html, "Mary Smith")
    assert "mary@example.com" not in mary and "555-0100" not in mary
    assert "Edit" not in mary
    other = card(html, "Ann Smith")
    assert "ann@example.com" not in other and "Edit" not in other
    for primary_only in (
        "Add Guardian",
        "Send Invite Email",
        "Revoke",
        "May make payments",
        "Allow Payments",
    ):
        assert primary_only not in html
    # Every guardian keeps their own stored payment methods.
    assert "Stored Payment Methods" in html


def test_secondary_edits_own_name(secondary_setup, org):
    client, john, ann = secondary_setup
    response = client.post(
        url(org, f"guardians/{john.pk}/edit/"),
        {"first_name": "Jon", "last_name": "Smith", "relationship": "father"},
    )
    assert response.status_code == 302
    assert reload(john).first_name == "Jon"


def test_secondary_is_refused_primary_actions(
    secondary_setup, org, primary, mailoutbox
):
    client, john, ann = secondary_setup
    mailoutbox.clear()
    refused = [
        ("get", "guardians/add/", {}),
        ("post", "guardians/add/", {"first_name": "Eve", "last_name": "X"}),
        ("post", f"guardians/{ann.pk}/delete/", {}),
        ("post", f"guardians/{primary.pk}/delete/", {}),
        ("post", f"guardians/{ann.pk}/invite/", {}),
        ("post", f"guardians/{ann.pk}/revoke/", {}),
        ("post", f"guardians/{john.pk}/revoke/", {}),
        ("post", f"guardians/{ann.pk}/reset-password/", {}),
        ("post", f"guardians/{john.pk}/payments/", {"allowed": "yes"}),
        ("post", f"guardians/{ann.pk}/payments/", {"allowed": "yes"}),
        ("get", f"guardians/{primary.pk}/edit/", {}),
        ("post", f"guardians/{ann.pk}/edit/", {"first_name": "X", "last_name": "Y"}),
        ("post", f"guardians/{primary.pk}/email/add/", {"email": "x@example.com"}),
    ]
    for method, path, data in refused:
        response = getattr(client, method)(url(org, path), data)
        assert response.status_code in (403, 404), (method, path)
    with scopes_disabled():
        assert Guardian.objects.count() == 3
        assert ContactEmail.objects.count() == 3
        ann = reload(ann)
        assert ann.invite_status == InviteStatus.NOT_INVITED
        assert ann.first_name == "Ann" and not ann.may_make_payments
        assert reload(john).invite_status == InviteStatus.ACCEPTED
        assert not reload(john).may_make_payments
        assert reload(primary).first_name == "Mary"
    assert mailoutbox == []


# Tenancy -----------------------------------------------------------------------

GUARDIAN_URLS = [
    ("get", "guardians/{id}/edit/"),
    ("post", "guardians/{id}/edit/"),
    ("get", "guardians/{id}/delete/"),
    ("post", "guardians/{id}/delete/"),
    ("post", "guardians/{id}/payments/"),
    ("post", "guardians/{id}/invite/"),
    ("post", "guardians/{id}/revoke/"),
    ("post", "guardians/{id}/reset-password/"),
    ("get", "guardians/{id}/email/add/"),
    ("post", "guardians/{id}/phone/add/"),
    ("post", "guardians/{id}/address/add/"),
]


@pytest.mark.parametrize(("method", "path"), GUARDIAN_URLS)
@pytest.mark.parametrize("where", ["other-family", "other-organization"])
def test_guardian_of_another_family_or_organization_is_404(
    primary_client, org, primary, method, path, where, mailoutbox
):
    owner_org = org if where == "other-family" else make_organization(slug="gym")
    other = make_primary(owner_org, email="other@example.com", last_name="Jones")
    victim = make_secondary(other, first_name="Vic", email="vic@example.com")
    accept_invite(other, victim)
    mailoutbox.clear()
    data = {
        "first_name": "Hacked",
        "last_name": "Hacked",
        "relationship": "other",
        "allowed": "yes",
        "email": "hacked@example.com",
        "email_type": "home",
        "subscribed": "yes",
        "number": "555-0000",
        "phone_type": "home",
        "line1": "x",
        "city": "x",
        "postal_code": "x",
    }
    response = getattr(primary_client, method)(
        url(org, path.format(id=victim.pk)), data
    )
    assert response.status_code == 404
    victim = reload(victim)
    assert victim.first_name == "Vic"
    assert victim.invite_status == InviteStatus.ACCEPTED
    assert victim.user is not None and not victim.may_make_payments
    with scopes_disabled():
        assert ContactEmail.objects.filter(email="hacked@example.com").count() == 0
        assert ContactPhone.objects.filter(number="555-0000").count() == 0
    assert mailoutbox == []


# Query count ---------------------------------------------------------------------


def _grow(primary, guardians):
    with scopes_disabled():
        start = Guardian.objects.filter(family=primary.family).count()
    for i in range(start, start + guardians):
        guardian = make_secondary(
            primary, first_name=f"Extra{i}", email=f"extra{i}@example.com"
        )
        if i % 2:
            accept_invite(primary, guardian)
        with scopes_disabled():
            contact_add(
                actor=primary,
                kind="address",
                guardian=None,
                line1=f"{i} Side St",
                city="Springfield",
                postal_code="62701",
            )


def test_account_page_queries_do_not_grow(
    primary_client, org, primary, django_assert_max_num_queries
):
    _grow(primary, 1)
    # The whole page (toolbar, students, policies, guardians) stays small...
    with django_assert_max_num_queries(25) as small:
        html = account_html(primary_client, org)
    assert html.count('class="guardian-card"') == 3  # + Unassigned
    # ...and eight times the guardians and contacts cost no extra query.
    _grow(primary, 7)
    with django_assert_max_num_queries(len(small)):
        html = account_html(primary_client, org)
    assert html.count('class="guardian-card"') == 10
