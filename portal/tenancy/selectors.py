"""Reads for tenancy. Each takes the organization explicitly."""

from dataclasses import dataclass

from django.urls import reverse
from django_scopes import scopes_disabled

from .models import Location, Organization, PortalMode, StaffMembership


def organizations_open():
    """Organizations whose portal answers (active or in setup preview)."""
    return (
        Organization.objects.exclude(portal_settings__mode=PortalMode.OFF)
        .filter(home_page__live=True)
        .order_by("name")
    )


def organization_for_portal(*, slug):
    return (
        # The gateway account too: cart, checkout and Payments ask for it.
        Organization.objects.select_related("portal_settings", "gateway")
        .filter(slug=slug)
        .first()
    )


def locations_active(*, organization):
    return list(
        Location.objects.filter(organization=organization, is_active=True).order_by(
            "-is_primary", "sort_order", "name"
        )
    )


def staff_organization_ids(*, user):
    """Ids of the organizations a user works for (used to open the admin scope)."""
    with scopes_disabled():
        return list(
            StaffMembership.objects.filter(user=user).values_list(
                "organization_id", flat=True
            )
        )


def dashboard_url(organization):
    return reverse("portal:dashboard", kwargs={"org_slug": organization.slug})


@dataclass
class Tile:
    key: str
    label: str
    url: str
    description: str = ""


@dataclass
class DashboardTiles:
    home: object
    tiles: list

    def __iter__(self):
        return iter(self.tiles)

    def __len__(self):
        return len(self.tiles)


def dashboard_tiles(*, request, organization, nav):
    """The dashboard's tiles: only features that exist and the org enables.

    ``nav`` is the toolbar's navigation (pages.selectors.portal_navigation),
    passed in so that tenancy reads no page models.
    """
    from django.utils.translation import gettext as _

    slug = organization.slug
    logged_in = getattr(request, "family", None) is not None
    tiles = [
        Tile(
            "booking",
            _("Booking"),
            reverse("booking:home", kwargs={"org_slug": slug}),
            _("Classes, camps and parties"),
        ),
        Tile(
            "account",
            _("My Account"),
            reverse("families:account", kwargs={"org_slug": slug}),
            _("Your students, contact details and login"),
        ),
    ]
    if organization.portal_settings.show_find_class:
        tiles.insert(
            1,
            Tile(
                "find",
                _("Find the Right Class"),
                reverse("booking:find", kwargs={"org_slug": slug}),
                _("Classes that fit your child's age"),
            ),
        )
    if not logged_in:
        if organization.portal_settings.allow_account_creation:
            tiles.append(
                Tile(
                    "register",
                    _("Create Account"),
                    reverse("accounts:register", kwargs={"org_slug": slug}),
                    _("New to us? Set up your family"),
                )
            )
        tiles.append(
            Tile(
                "login",
                _("Log In"),
                reverse("accounts:login", kwargs={"org_slug": slug}),
                _("Welcome back"),
            )
        )
    if nav.news:
        tiles.append(
            Tile("news", _("News"), nav.news.url, _("Announcements and updates"))
        )
    if nav.home is not None and nav.home.welcome_enabled:
        tiles.append(
            Tile(
                "welcome",
                _("Welcome Info"),
                f"{dashboard_url(organization)}?welcome=1",
                _("Read our welcome information again"),
            )
        )
    return DashboardTiles(home=nav.home, tiles=tiles)
