"""The admin shows and reads times in the organization's time zone.

The server's zone is UTC. Without this, staff of a Chicago swim school who
set a page's go-live time, a party slot's start or a class's registration
opening would be typing UTC without being told. For every admin request of a
logged-in user the active zone becomes:

- the zone the user chose in their Wagtail account preferences, if any;
- else, for staff, the zone of their organization's primary location (the
  first organization's, for staff of several);
- else (superusers, staff without an organization) the server's zone, UTC.

Wagtail's admin views set the active zone themselves from the user's
profile (wagtail.admin.localization.get_localized_response: the profile's
choice, else settings.TIME_ZONE), so the organization's zone is also lent to
the profile for this request only: its get_current_time_zone() answers it.
Nothing is saved; the user's own preference stays empty and can be chosen
at any time. templates/wagtailadmin/ says which zone is in use.

Runs after the tenant middleware, inside its scope and with its
request.staff_organization_ids.
"""

import re

from django.conf import settings
from django.utils import timezone
from wagtail.users.models import UserProfile

from .models import Location

ADMIN_PATH = re.compile(r"^/admin/")


def own_time_zone(user):
    """The zone the user chose in their account preferences, or ""."""
    profile = getattr(user, "wagtail_userprofile", None)
    return profile.current_time_zone if profile is not None else ""


def organization_time_zone(*, organization_ids):
    """The primary location's zone of the first of these organizations."""
    if not organization_ids:
        return None
    return (
        Location.objects.filter(organization_id__in=organization_ids)
        .order_by("organization_id", "-is_primary", "sort_order", "pk")
        .values_list("time_zone", flat=True)
        .first()
    )


def admin_time_zone(*, user, organization_ids):
    """The zone this user's admin pages use (see the module's docstring)."""
    chosen = own_time_zone(user)
    if chosen:
        return chosen
    if not user.is_superuser:
        zone = organization_time_zone(organization_ids=organization_ids)
        if zone:
            return zone
    return settings.TIME_ZONE


def lend_time_zone_to_profile(user, zone):
    """Make Wagtail's admin views use `zone` for this request (unsaved)."""
    profile = getattr(user, "wagtail_userprofile", None)
    if profile is None:
        profile = UserProfile(user=user)
        user.wagtail_userprofile = profile
    profile.get_current_time_zone = lambda: zone


class AdminTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not ADMIN_PATH.match(request.path_info):
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        zone = admin_time_zone(
            user=user,
            organization_ids=getattr(request, "staff_organization_ids", None),
        )
        if not own_time_zone(user):
            lend_time_zone_to_profile(user, zone)
        with timezone.override(zone):
            return self.get_response(request)
