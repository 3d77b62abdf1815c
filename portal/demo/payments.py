"""Payments in the demo: the built-in sandbox gateway, cards and eChecks
accepted, and the demo parent's two saved methods (a Visa ending 4242, the
default and authorized for recurring billing, and a bank account).

The methods are saved as a family's would be: the sandbox issues a one-time
token for a test number's outcome (its own service, no number is ever
stored) and method_save turns it into a stored method."""

from django.utils import timezone

from portal.billing.gateways.sandbox import BANK_NAME, issue_token
from portal.billing.methods import method_save
from portal.billing.models import GatewayAccount, GatewayProvider, PaymentMethod
from portal.families.models import Guardian
from portal.tenancy.models import Organization, PortalSettings

from .logins import PARENT_EMAIL


def seed(organization: Organization) -> None:
    # Seeded together, in seed_all's transaction: the methods say it is done.
    if PaymentMethod.objects.filter(
        organization=organization, guardian__user__email=PARENT_EMAIL
    ).exists():
        return
    GatewayAccount.objects.get_or_create(
        organization=organization, defaults={"provider": GatewayProvider.SANDBOX}
    )
    settings = PortalSettings.objects.get(organization=organization)
    if not settings.accept_echecks:
        settings.accept_echecks = True
        settings.full_clean()
        settings.save(update_fields=["accept_echecks"])
    guardian = (
        Guardian.objects.filter(organization=organization, user__email=PARENT_EMAIL)
        .select_related("organization__portal_settings")
        .first()
    )
    if guardian is None:
        return
    now = timezone.now()
    card = issue_token(
        organization=organization,
        outcome="approve",
        kind="card",
        brand="Visa",
        last4="4242",
        exp_month=12,
        exp_year=now.year + 3,
        now=now,
    )
    method_save(
        guardian=guardian,
        token=card.token,
        make_default=True,
        recurring_authorized=True,
        now=now,
    )
    bank = issue_token(
        organization=organization,
        outcome="approve",
        kind="bank",
        brand=BANK_NAME,
        last4="6789",
        now=now,
    )
    method_save(guardian=guardian, token=bank.token, now=now)
