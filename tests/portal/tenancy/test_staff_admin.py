"""Staff management in the admin: superusers and managers invite, change roles
and remove; nobody else reaches the Staff screens, and each organization's
managers see only their own staff."""

import re
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from portal.accounts.models import User
from portal.tenancy.models import Organization, RoleGroup, StaffMembership, StaffRole
from portal.tenancy.services import location_create, staff_membership_create
from tests.factories import (
    UserFactory,
    home_of,
    make_organization,
    make_staff,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-new-password-42"


def text(response):
    return response.content.decode()


def membership(user, organization):
    with scopes_disabled():
        return StaffMembership.objects.get(user=user, organization=organization)


def memberships(organization):
    with scopes_disabled():
        return {
            m.user.email: m.role
            for m in StaffMembership.objects.filter(organization=organization)
        }


def set_password_link(message):
    found = re.search(r"http://testserver(/admin/password_reset/\S+)", message.body)
    assert found, message.body
    return found[1]


@pytest.fixture
def orgs():
    alpha = make_organization(name="Alpha Swim", slug="alpha")
    bravo = make_organization(name="Bravo Gym", slug="bravo")
    return SimpleNamespace(
        alpha=alpha,
        bravo=bravo,
        manager=make_staff(alpha, email="boss@alpha.example.com", first_name="Ana"),
        bravo_manager=make_staff(bravo, email="boss@bravo-secret.example.com"),
    )


@pytest.fixture
def manager_client(client, orgs):
    client.force_login(orgs.manager)
    return client


def invite(client, **fields):
    data = {"email": "new@alpha.example.com", "first_name": "Noor", "role": "marketing"}
    data.update(fields)
    return client.post(reverse("staff:add"), data)


# The whole path, through the admin only ---------------------------------------


def test_superuser_sets_up_an_organization_and_its_first_manager(client):
    bravo = make_organization(name="Bravo Gym", slug="bravo")
    make_staff(bravo, email="coach@bravo-secret.example.com")
    with scopes_disabled():
        location_create(organization=bravo, name="Bravo Secret Arena")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    response = client.post(
        reverse("organization:add"),
        {"name": "Charlie Dance", "slug": "charlie", "currency": "USD"},
    )
    assert response.status_code == 302
    charlie = Organization.objects.get(slug="charlie")
    response = client.post(
        reverse("location:add"),
        {
            "organization": charlie.pk,
            "name": "Charlie Studio",
            "time_zone": "America/Chicago",
            "sort_order": "0",
            "is_primary": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("staff:add"),
        {
            "email": "Dana@Charlie.example.com",
            "first_name": "Dana",
            "last_name": "Diaz",
            "organization": charlie.pk,
            "role": "manager",
        },
    )
    assert response.status_code == 302
    client.logout()

    # The e-mail's link lets Dana choose a password.
    (message,) = mail.outbox
    assert message.to == ["dana@charlie.example.com"]
    link = set_password_link(message)
    response = client.get(link)
    assert response.status_code == 302
    form_url = response.url
    assert "Set your new password" in text(client.get(form_url))
    response = client.post(
        form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response.status_code == 302

    # Dana logs in at the admin and sees Charlie Dance, and nothing of Bravo.
    response = client.post(
        "/admin/login/", {"username": "dana@charlie.example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    pages = client.get(reverse("wagtailadmin_explore_root"), follow=True)
    assert "Charlie Dance" in text(pages)
    locations = client.get(reverse("location:index"))
    assert "Charlie Studio" in text(locations)
    staff = client.get(reverse("staff:index"))
    assert "dana@charlie.example.com" in text(staff)
    for response in (pages, locations, staff, client.get("/admin/")):
        assert response.status_code == 200
        for secret in ("Bravo", "bravo-secret.example.com"):
            assert secret not in text(response)


# Inviting ------------------------------------------------------------------------


def test_manager_invites_a_new_person_who_chooses_a_password(manager_client, orgs):
    response = invite(manager_client, last_name="Haddad")
    assert response.status_code == 302
    assert memberships(orgs.alpha)["new@alpha.example.com"] == "marketing"
    user = User.objects.get(email="new@alpha.example.com")
    assert (user.first_name, user.last_name) == ("Noor", "Haddad")
    assert user.is_staff and not user.has_usable_password()

    (message,) = mail.outbox
    assert message.subject == "You are on the staff of Alpha Swim"
    inviter = str(orgs.manager)
    assert inviter.startswith("Ana ")
    assert f"{inviter} added you to the staff of Alpha Swim as Marketing." in (
        message.body
    )
    assert "http://testserver/admin/login/" in message.body
    html = message.alternatives[0][0]
    assert set_password_link(message) in html


def test_the_set_password_link_works_once_and_expires(client, orgs):
    client.force_login(orgs.manager)
    invite(client)
    link = set_password_link(mail.outbox[0])
    client.logout()

    later = timezone.now() + timezone.timedelta(
        seconds=settings.PASSWORD_RESET_TIMEOUT + 60
    )
    with time_machine.travel(later):
        assert "Set your new password" not in text(client.get(link, follow=True))

    form_url = client.get(link).url
    client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert User.objects.get(email="new@alpha.example.com").check_password(PASSWORD)
    assert "Set your new password" not in text(client.get(link, follow=True))


def test_an_existing_login_is_added_and_can_log_straight_in(client, orgs):
    parent = UserFactory(email="parent@example.com", first_name="Sam")
    client.force_login(orgs.manager)
    response = invite(client, email="PARENT@example.com", role="front_desk")
    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.first_name == "Sam" and parent.check_password("correct-horse-9")
    (message,) = mail.outbox
    assert "password_reset" not in message.body
    assert "http://testserver/admin/login/" in message.body

    client.logout()
    response = client.post(
        "/admin/login/",
        {"username": "parent@example.com", "password": "correct-horse-9"},
    )
    assert response.status_code == 302
    assert client.get(reverse("family:index")).status_code == 200


def test_inviting_someone_already_on_the_staff_is_refused(manager_client, orgs):
    make_staff(orgs.alpha, email="front@alpha.example.com")
    response = invite(manager_client, email="front@alpha.example.com")
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "This person is already on this organization's staff."
    ]
    assert memberships(orgs.alpha)["front@alpha.example.com"] == "manager"
    assert mail.outbox == []


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"email": ""}, "email", "This field is required."),
        ({"role": "owner"}, "role", "Select a valid choice."),
    ],
)
def test_bad_invitations_show_the_error_and_save_nothing(
    manager_client, orgs, fields, field, message
):
    response = invite(manager_client, **fields)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert set(memberships(orgs.alpha)) == {"boss@alpha.example.com"}
    assert not User.objects.filter(first_name="Noor").exists()
    assert mail.outbox == []


def test_a_manager_of_one_organization_is_not_asked_which(manager_client, orgs):
    form = manager_client.get(reverse("staff:add"))
    assert 'name="organization"' not in text(form)
    assert "Bravo" not in text(form)
    # A posted organization is ignored: the invitation is for their own.
    invite(manager_client, organization=orgs.bravo.pk)
    assert "new@alpha.example.com" in memberships(orgs.alpha)
    assert set(memberships(orgs.bravo)) == {"boss@bravo-secret.example.com"}


def test_a_manager_chooses_only_among_organizations_they_manage(client, orgs):
    charlie = make_organization(name="Charlie Dance", slug="charlie")
    staff_membership_create(organization=charlie, user=orgs.manager)
    staff_membership_create(
        organization=orgs.bravo, user=orgs.manager, role=StaffRole.FRONT_DESK
    )
    client.force_login(orgs.manager)
    field = client.get(reverse("staff:add")).context["form"].fields["organization"]
    assert list(field.queryset) == [orgs.alpha, charlie]
    response = invite(client, organization=orgs.bravo.pk)
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert set(memberships(orgs.bravo)) == {
        "boss@bravo-secret.example.com",
        "boss@alpha.example.com",
    }
    invite(client, organization=charlie.pk)
    assert memberships(charlie)["new@alpha.example.com"] == "marketing"


def test_invitation_text_keeps_names_as_typed(client):
    org = make_organization(name="D'Arcy O'Neil & Sons", slug="darcy")
    client.force_login(make_staff(org, first_name="Zoë", last_name="O'Hara"))
    invite(client, first_name="Léa")
    (message,) = mail.outbox
    assert message.subject == "You are on the staff of D'Arcy O'Neil & Sons"
    assert "Zoë O'Hara added you to the staff of D'Arcy O'Neil & Sons" in message.body
    html = message.alternatives[0][0]
    assert "D&#x27;Arcy O&#x27;Neil &amp; Sons" in html


# Listing, roles and removal --------------------------------------------------------


def test_managers_see_only_their_own_staff(manager_client, orgs):
    response = manager_client.get(reverse("staff:index"))
    assert response.status_code == 200
    assert "boss@alpha.example.com" in text(response)
    assert "bravo-secret" not in text(response)


@pytest.mark.parametrize("view", ["staff:edit", "staff:delete", "staff:history"])
def test_another_organizations_staff_are_not_found(manager_client, orgs, view):
    other = membership(orgs.bravo_manager, orgs.bravo)
    url = reverse(view, args=[other.pk])
    assert manager_client.get(url).status_code == 404
    assert manager_client.post(url, {"role": "marketing"}).status_code == 404
    assert memberships(orgs.bravo) == {"boss@bravo-secret.example.com": "manager"}


def test_changing_a_role_changes_what_they_may_do(manager_client, orgs):
    coach = make_staff(orgs.alpha, email="coach@alpha.example.com")
    url = reverse("staff:edit", args=[membership(coach, orgs.alpha).pk])
    response = manager_client.post(url, {"role": "front_desk"})
    assert response.status_code == 302
    assert memberships(orgs.alpha)["coach@alpha.example.com"] == "front_desk"
    coach = User.objects.get(pk=coach.pk)  # no cached permissions
    assert coach.has_perm("families.change_family")
    assert not coach.has_perm("tenancy.change_location")
    assert list(coach.groups.values_list("name", flat=True)) == [
        "Alpha Swim front desk (alpha)"
    ]


def test_the_last_manager_cannot_be_demoted_or_removed(manager_client, orgs):
    own = membership(orgs.manager, orgs.alpha)
    response = manager_client.post(
        reverse("staff:edit", args=[own.pk]), {"role": "marketing"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["role"] == [
        "This is the organization's last manager. Make someone else a manager first."
    ]
    response = manager_client.post(reverse("staff:delete", args=[own.pk]), follow=True)
    assert "This is the organization&#x27;s last manager." in text(response)
    assert memberships(orgs.alpha) == {"boss@alpha.example.com": "manager"}
    assert orgs.manager.groups.filter(portico_role__role="manager").exists()


def test_a_manager_removes_a_staff_member(manager_client, orgs):
    make_staff(orgs.alpha, email="second@alpha.example.com")
    gone = make_staff(orgs.alpha, email="gone@alpha.example.com")
    response = manager_client.post(
        reverse("staff:delete", args=[membership(gone, orgs.alpha).pk])
    )
    assert response.status_code == 302
    assert "gone@alpha.example.com" not in memberships(orgs.alpha)
    gone.refresh_from_db()
    assert not gone.is_staff and not gone.groups.exists()
    # With another manager left, a manager may step down.
    own = membership(orgs.manager, orgs.alpha)
    response = manager_client.post(
        reverse("staff:edit", args=[own.pk]), {"role": "marketing"}
    )
    assert response.status_code == 302


STAFF_URLS = ["staff:index", "staff:add", "staff:edit", "staff:delete"]


@pytest.mark.parametrize("role", [StaffRole.FRONT_DESK, StaffRole.MARKETING])
@pytest.mark.parametrize("name", STAFF_URLS)
def test_front_desk_and_marketing_cannot_reach_the_staff_screens(
    client, orgs, role, name
):
    user = make_staff(orgs.alpha, email="someone@alpha.example.com")
    with scopes_disabled():
        StaffMembership.objects.filter(user=user).update(role=role)
    RoleGroup.objects.get(organization=orgs.alpha, role=role).group.user_set.set([user])
    client.force_login(User.objects.get(pk=user.pk))
    target = membership(orgs.manager, orgs.alpha)
    url = reverse(
        name, args=[target.pk] if name in ("staff:edit", "staff:delete") else []
    )
    for response in (client.get(url), client.post(url, {"role": "marketing"})):
        assert response.status_code in (302, 403, 404)
        assert "boss@alpha.example.com" not in text(response)
    assert memberships(orgs.alpha)["boss@alpha.example.com"] == "manager"
    dashboard = text(client.get("/admin/"))
    assert reverse("staff:index") not in dashboard


# What each role may do ----------------------------------------------------------


@pytest.mark.parametrize(
    "role,allowed,refused",
    [
        (StaffRole.MANAGER, "staff:index", "organization:index"),
        (StaffRole.FRONT_DESK, "family:index", "page editor"),
        (StaffRole.MARKETING, "page editor", "family:index"),
    ],
)
def test_each_role_reaches_its_areas_and_is_refused_others(
    client, orgs, role, allowed, refused
):
    user = UserFactory()
    staff_membership_create(organization=orgs.alpha, user=user, role=role)
    client.force_login(user)

    def url(name):
        if name == "page editor":
            return reverse("wagtailadmin_pages:edit", args=[home_of(orgs.alpha).pk])
        return reverse(name)

    assert client.get(url(allowed)).status_code == 200
    response = client.get(url(refused), follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    assert "Sorry, you do not have permission to access this area." in text(response)


def test_a_role_counts_only_in_its_own_organization(client, orgs):
    """Front desk at Alpha and marketing at Bravo: Alpha's families, Bravo's
    pages, and neither Bravo's families nor Alpha's pages."""
    from portal.families.models import Family
    from tests.factories import make_family

    user = UserFactory()
    staff_membership_create(organization=orgs.alpha, user=user, role="front_desk")
    staff_membership_create(organization=orgs.bravo, user=user, role="marketing")
    alpha_family = make_family(orgs.alpha, last_name="Alphafamily").family
    bravo_family = make_family(orgs.bravo, last_name="Bravofamily").family
    client.force_login(user)

    listing = text(client.get(reverse("family:index")))
    assert "Alphafamily" in listing and "Bravofamily" not in listing
    for name in ("family:edit", "family:history"):
        assert client.get(reverse(name, args=[alpha_family.pk])).status_code == 200
        assert client.get(reverse(name, args=[bravo_family.pk])).status_code == 404
    url = reverse("family:edit", args=[bravo_family.pk])
    assert client.post(url, {"name": "Taken", "is_suspended": "on"}).status_code == 404
    with scopes_disabled():
        assert not Family.objects.get(pk=bravo_family.pk).is_suspended

    def editor(org):
        return client.get(reverse("wagtailadmin_pages:edit", args=[home_of(org).pk]))

    assert editor(orgs.bravo).status_code == 200
    assert editor(orgs.alpha).status_code == 302


def test_an_invitation_can_be_sent_again_until_a_password_is_chosen(
    manager_client, orgs
):
    invite(manager_client)
    invited = membership(User.objects.get(email="new@alpha.example.com"), orgs.alpha)
    url = reverse("staff:edit", args=[invited.pk])
    assert "Send the invitation again" in text(manager_client.get(url))

    response = manager_client.post(url, {"role": "marketing", "invite_again": "on"})
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["new@alpha.example.com"]
    assert set_password_link(mail.outbox[1]).startswith("/admin/password_reset/")

    # Someone who can log in is not offered it.
    own = membership(orgs.manager, orgs.alpha)
    edit_own = reverse("staff:edit", args=[own.pk])
    assert "Send the invitation again" not in text(manager_client.get(edit_own))
