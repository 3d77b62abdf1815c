"""Stripe's card entry page (/gateway/stripe/entry/): Stripe.js from
js.stripe.com, the publishable key and never the secret, a
Content-Security-Policy that lets Stripe in on this page only; and
entry_context pointing Stripe organizations at it (cards only)."""

import html
import re

import pytest

from portal.billing.views import entry_context
from tests.browser.support import update_portal_settings
from tests.factories import make_family, make_organization
from tests.factories.billing import make_gateway_account

pytestmark = pytest.mark.django_db

ENTRY = "/gateway/stripe/entry/"
PUBLISHABLE = "pk_test_51PorticoPublishable"
SECRET = "sk_test_51PorticoSecretNeverShown"
WEBHOOK_SECRET = "whsec_PorticoNeverShown"


def stripe_org(slug="swim", **fields):
    organization = make_organization(slug=slug)
    make_gateway_account(
        organization,
        provider="stripe",
        **{
            "publishable_key": PUBLISHABLE,
            "secret_key": SECRET,
            "webhook_secret": WEBHOOK_SECRET,
            **fields,
        },
    )
    return organization


def csp(response):
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def test_the_page_loads_stripe_js_with_the_publishable_key_only(client):
    stripe_org()
    response = client.get(f"{ENTRY}?org=swim&kind=card")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<script src="https://js.stripe.com/v3/"></script>' in page
    assert re.search(r"<script src=\"[^\"]*js/stripe_entry[^\"]*\.js\" defer>", page)
    assert f'data-publishable-key="{PUBLISHABLE}"' in page
    assert SECRET not in page and WEBHOOK_SECRET not in page
    # The summary the parent page shows, in the sandbox entry's words.
    assert html.unescape(page).count("{brand} ending in {last4}") == 2
    assert "no-store" in response["Cache-Control"]


def test_the_page_csp_lets_stripe_in(client):
    stripe_org()
    directives = csp(client.get(f"{ENTRY}?org=swim&kind=card"))
    assert directives["script-src"] == ["'self'", "https://js.stripe.com"]
    assert directives["frame-src"] == [
        "'self'",
        "https://js.stripe.com",
        "https://hooks.stripe.com",
    ]
    assert directives["connect-src"] == ["'self'", "https://api.stripe.com"]
    assert directives["frame-ancestors"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in " ".join(directives["script-src"])


def test_other_pages_keep_their_csp(client):
    organization = stripe_org()
    make_family(organization, email="pat@example.com")
    sandbox = make_organization(slug="gym")
    make_gateway_account(sandbox)
    for url in ("/portal/swim/", "/gateway/sandbox/entry/?org=gym&kind=card"):
        response = client.get(url)
        assert response.status_code == 200, url
        header = response["Content-Security-Policy"]
        assert "stripe.com" not in header, url
        assert csp(response)["script-src"] == ["'self'"], url


@pytest.mark.parametrize(
    "setup",
    ["sandbox", "no_gateway", "no_provider", "no_publishable_key", "unknown"],
)
def test_404_unless_the_organization_has_stripe_with_a_publishable_key(client, setup):
    organization = make_organization(slug="swim")
    if setup == "sandbox":
        make_gateway_account(organization)
    elif setup == "no_provider":
        make_gateway_account(organization, provider="", publishable_key=PUBLISHABLE)
    elif setup == "no_publishable_key":
        make_gateway_account(organization, provider="stripe", secret_key=SECRET)
    slug = "nowhere" if setup == "unknown" else "swim"
    if setup == "unknown":
        stripe_org(slug="other")
    response = client.get(f"{ENTRY}?org={slug}&kind=card")
    assert response.status_code == 404
    assert SECRET not in response.content.decode()


def test_404_without_an_org(client):
    stripe_org()
    assert client.get(f"{ENTRY}?kind=card").status_code == 404


def test_entry_context_gives_the_stripe_page_for_cards_only():
    organization = stripe_org()
    update_portal_settings(organization, accept_echecks=True)
    context = entry_context(organization, return_url="/portal/swim/account/payments/")
    assert context == {
        "entry_url": f"{ENTRY}?org=swim&kind=card",
        "fallback_url": "",
        "kinds": ["card"],
    }


def test_entry_context_for_sandbox_is_unchanged():
    organization = make_organization(slug="gym")
    make_gateway_account(organization)
    assert entry_context(organization)["entry_url"] == (
        "/gateway/sandbox/entry/?org=gym&kind=card"
    )


def test_entry_context_without_a_publishable_key_offers_no_entry():
    organization = stripe_org(publishable_key="")
    assert entry_context(organization)["entry_url"] == ""


def test_the_payments_page_of_a_stripe_org_embeds_the_stripe_entry(client):
    organization = stripe_org()
    guardian = make_family(organization, email="pat@example.com")
    client.force_login(guardian.user)
    page = client.get("/portal/swim/account/payments/").content.decode()
    assert f'src="{ENTRY}?org=swim&amp;kind=card"' in page
    assert SECRET not in page and PUBLISHABLE not in page
