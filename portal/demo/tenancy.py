"""The demo organization, its two pools and its staff logins."""

from portal.accounts.models import User
from portal.tenancy.models import (
    Location,
    Organization,
    PortalMode,
    StaffMembership,
    StaffRole,
)
from portal.tenancy.services import (
    location_create,
    organization_create,
    staff_membership_create,
)

from .logins import DEMO_SLUG, ROLE_LOGINS, STAFF_EMAIL, STAFF_PASSWORD

NAME = "Splash Academy"
PORTAL_SETTINGS = {
    "website_url": "https://splash-academy.example.com/",
    "ios_app_url": "https://apps.example.com/splash-academy/ios",
    "android_app_url": "https://apps.example.com/splash-academy/android",
}
LOCATIONS = [
    {
        "name": "Northside Aquatic Center",
        "address_line1": "1200 Lakeview Avenue",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "United States",
        "phone": "(217) 555-0142",
        "email": "northside@example.com",
        "time_zone": "America/Chicago",
        "sort_order": 1,
    },
    {
        "name": "Riverside Pool",
        "address_line1": "48 Mill Street",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62704",
        "country": "United States",
        "phone": "(217) 555-0199",
        "email": "riverside@example.com",
        "time_zone": "America/Chicago",
        "sort_order": 2,
    },
]
STAFF_NAME = ("Avery", "Admin")


def seed() -> Organization:
    """The organization (created once, with its settings) and its locations."""
    organization = Organization.objects.filter(slug=DEMO_SLUG).first()
    if organization is None:
        organization = organization_create(
            name=NAME, slug=DEMO_SLUG, mode=PortalMode.ACTIVE
        )
        portal_settings = organization.portal_settings
        for field, value in PORTAL_SETTINGS.items():
            setattr(portal_settings, field, value)
        portal_settings.save()
    for fields in LOCATIONS:
        if not Location.objects.filter(
            organization=organization, name=fields["name"]
        ).exists():
            location_create(organization=organization, **fields)
    return organization


def seed_staff(organization: Organization) -> None:
    """The staff logins: a manager, a front-desk and a marketing member."""
    logins = [(STAFF_EMAIL, STAFF_NAME, StaffRole.MANAGER)]
    logins += [(email, name, StaffRole(role)) for email, name, role in ROLE_LOGINS]
    for email, (first_name, last_name), role in logins:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email, STAFF_PASSWORD, first_name=first_name, last_name=last_name
            )
        if not StaffMembership.objects.filter(
            organization=organization, user=user
        ).exists():
            staff_membership_create(organization=organization, user=user, role=role)
