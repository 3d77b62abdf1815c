"""The Payment gateway screen and the enrolling and payment settings in the
admin: managers and superusers only, each organization's own, and secret keys
that are never shown back."""

from types import SimpleNamespace

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from wagtail.models import ModelLogEntry

from portal.billing.models import GatewayAccount
from portal.tenancy.models import PortalSettings, StaffRole
from portal.tenancy.services import staff_membership_create
from tests.factories import UserFactory, make_organization, make_staff
from tests.factories.billing import make_gateway_account

pytestmark = pytest.mark.django_db

SECRET = "sk_test_51SuperSecretValue0000wxyz"
WEBHOOK = "whsec_SigningSecretValue1234abcd"


@pytest.fixture
def orgs():
    alpha = make_organization(name="Alpha Swim", slug="alpha")
    bravo = make_organization(name="Bravo Gym", slug="bravo")
    return SimpleNamespace(
        alpha=alpha,
        bravo=bravo,
        manager=make_staff(alpha, email="boss@alpha.example.com"),
    )


def edit_url(organization):
    return reverse("billing_gateway_edit", args=[organization.pk])


def account_of(organization):
    with scopes_disabled():
        return GatewayAccount.objects.filter(organization=organization).first()


def staff_with_role(organization, role):
    user = UserFactory()
    staff_membership_create(organization=organization, user=user, role=role)
    return user


def refused(response):
    """Wagtail answers a refused admin view with a redirect to the dashboard
    (and a "no permission" message)."""
    return response.status_code == 403 or (
        response.status_code == 302
        and response["Location"] == reverse("wagtailadmin_home")
    )


def save(client, organization, **fields):
    data = {
        "provider": "stripe",
        "publishable_key": "pk_test_publishable1234",
        "secret_key": "",
        "webhook_secret": "",
    }
    data.update(fields)
    return client.post(edit_url(organization), data)


def test_manager_creates_the_gateway_and_never_sees_the_secret_again(client, orgs):
    client.force_login(orgs.manager)
    assert account_of(orgs.alpha) is None
    page = client.get(edit_url(orgs.alpha))
    assert page.status_code == 200
    assert "No key is stored." in page.content.decode()

    response = save(client, orgs.alpha, secret_key=SECRET, webhook_secret=WEBHOOK)
    assert response.status_code == 302
    account = account_of(orgs.alpha)
    assert account.provider == "stripe"
    assert account.secret_key == SECRET
    assert account.webhook_secret == WEBHOOK

    html = client.get(edit_url(orgs.alpha)).content.decode()
    assert SECRET not in html
    assert WEBHOOK not in html
    assert SECRET[:-4] not in html
    assert "A key is stored, ending in …wxyz." in html
    assert "A key is stored, ending in …abcd." in html
    # The publishable key is public (the payment pages carry it).
    assert 'value="pk_test_publishable1234"' in html
    # The change is in the log, without its keys.
    entries = list(ModelLogEntry.objects.filter(action="wagtail.edit").values())
    assert entries and entries[-1]["label"] == "Stripe"
    assert SECRET not in repr(entries) and WEBHOOK not in repr(entries)


def test_an_empty_secret_field_keeps_the_stored_key(client, orgs):
    make_gateway_account(
        orgs.alpha,
        provider="stripe",
        publishable_key="pk_test_old",
        secret_key=SECRET,
        webhook_secret=WEBHOOK,
    )
    client.force_login(orgs.manager)
    response = save(client, orgs.alpha, publishable_key="pk_test_new")
    assert response.status_code == 302
    account = account_of(orgs.alpha)
    assert account.publishable_key == "pk_test_new"
    assert (account.secret_key, account.webhook_secret) == (SECRET, WEBHOOK)

    save(client, orgs.alpha, secret_key="sk_test_replacement9876")
    assert account_of(orgs.alpha).secret_key == "sk_test_replacement9876"


def test_the_stored_keys_can_be_removed(client, orgs):
    make_gateway_account(orgs.alpha, provider="stripe", secret_key=SECRET)
    client.force_login(orgs.manager)
    response = save(client, orgs.alpha, provider="sandbox", forget_keys="on")
    assert response.status_code == 302
    account = account_of(orgs.alpha)
    assert account.provider == "sandbox"
    assert account.secret_key == account.webhook_secret == ""


def test_bad_keys_are_refused_next_to_their_field_and_nothing_is_saved(client, orgs):
    client.force_login(orgs.manager)
    response = save(client, orgs.alpha, publishable_key="", secret_key="")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Stripe needs the account&#x27;s secret key." in html
    assert "Stripe needs the account&#x27;s publishable key." in html
    assert account_of(orgs.alpha) is None

    # The publishable key pasted where the secret goes.
    response = save(client, orgs.alpha, secret_key="pk_test_wrongfield")
    assert "A Stripe secret key starts with sk_" in response.content.decode()
    assert "pk_test_wrongfield" not in response.content.decode()
    assert account_of(orgs.alpha) is None

    response = save(client, orgs.alpha, provider="paypal", secret_key=SECRET)
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert SECRET not in response.content.decode()
    assert account_of(orgs.alpha) is None


def test_a_refused_secret_is_not_kept_from_an_earlier_account(client, orgs):
    make_gateway_account(orgs.alpha, provider="sandbox")
    client.force_login(orgs.manager)
    save(client, orgs.alpha, webhook_secret="not-a-webhook-secret")
    account = account_of(orgs.alpha)
    assert (account.provider, account.webhook_secret) == ("sandbox", "")


@pytest.mark.parametrize("role", [StaffRole.FRONT_DESK, StaffRole.MARKETING])
def test_front_desk_and_marketing_are_refused(client, orgs, role):
    make_gateway_account(orgs.alpha, provider="stripe", secret_key=SECRET)
    client.force_login(staff_with_role(orgs.alpha, role))
    assert refused(client.get(reverse("billing_gateway_index")))
    assert refused(client.get(edit_url(orgs.alpha)))
    assert refused(save(client, orgs.alpha, provider="", secret_key="sk_test_hijack"))
    assert account_of(orgs.alpha).secret_key == SECRET
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("billing_gateway_index") not in menu


def test_a_manager_cannot_reach_another_organizations_gateway(client, orgs):
    make_gateway_account(orgs.bravo, provider="stripe", secret_key=SECRET)
    client.force_login(orgs.manager)
    assert client.get(edit_url(orgs.bravo)).status_code == 404
    response = save(client, orgs.bravo, provider="", secret_key="sk_test_hijack")
    assert response.status_code == 404
    account = account_of(orgs.bravo)
    assert (account.provider, account.secret_key) == ("stripe", SECRET)


def test_a_manager_of_one_organization_goes_straight_to_its_screen(client, orgs):
    client.force_login(orgs.manager)
    response = client.get(reverse("billing_gateway_index"))
    assert response.status_code == 302
    assert response["Location"] == edit_url(orgs.alpha)
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("billing_gateway_index") in menu


def test_superuser_lists_every_organization(client, orgs):
    make_gateway_account(orgs.bravo, provider="sandbox")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    html = client.get(reverse("billing_gateway_index")).content.decode()
    assert "Alpha Swim" in html and "Bravo Gym" in html
    assert "Sandbox (test numbers only)" in html
    assert client.get(edit_url(orgs.bravo)).status_code == 200


def test_a_manager_of_two_organizations_chooses_one(client, orgs):
    staff_membership_create(organization=orgs.bravo, user=orgs.manager)
    client.force_login(orgs.manager)
    html = client.get(reverse("billing_gateway_index")).content.decode()
    assert edit_url(orgs.alpha) in html and edit_url(orgs.bravo) in html


# Portal settings: enrolling and payments -----------------------------------------


def settings_of(organization):
    with scopes_disabled():
        return PortalSettings.objects.get(organization=organization)


def settings_data(client, organization, **changes):
    """The portal settings form as the edit screen fills it, with changes."""
    url = reverse("portalsettings:edit", args=[settings_of(organization).pk])
    form = client.get(url).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return url, data


def test_manager_sets_enrolling_and_payment_settings(client, orgs):
    make_gateway_account(orgs.alpha, provider="sandbox")
    client.force_login(orgs.manager)
    url, data = settings_data(
        client,
        orgs.alpha,
        reservation_minutes="20",
        accept_echecks="on",
        accept_cards=False,
        require_recurring_method="on",
        pay_at_front_desk="on",
    )
    html = client.get(url).content.decode()
    assert "Enrolling and payments" in html
    assert "Sandbox (test numbers only)" in html
    assert edit_url(orgs.alpha) in html
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    saved = settings_of(orgs.alpha)
    assert saved.reservation_minutes == 20
    assert (saved.accept_cards, saved.accept_echecks) == (False, True)
    assert saved.require_recurring_method and saved.pay_at_front_desk


def test_reservation_minutes_out_of_range_is_refused(client, orgs):
    client.force_login(orgs.manager)
    url, data = settings_data(client, orgs.alpha, reservation_minutes="0")
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["reservation_minutes"]
    assert settings_of(orgs.alpha).reservation_minutes == 15


def test_the_gateway_is_under_billing_in_the_menu_for_managers(client, orgs):
    client.force_login(orgs.manager)
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    # The sidebar's menu is JSON in the page: Billing holds the gateway item.
    billing = menu[menu.index('"name": "billing"') :]
    assert reverse("billing_tuition") in billing
    assert reverse("billing_gateway_index") in billing
