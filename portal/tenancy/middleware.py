"""Resolve the tenant from the path and open the django-scopes scope.

/portal/<slug>/...  -> request.organization, request.locations, request.location;
                       every query runs inside scope(organization=<that org>).
/admin/...          -> scope limited to the organizations the staff user works
                       for (all of them for a superuser).
/portal/<other>/... -> 404 when <other> cannot be an account name (uppercase,
                       underscore, dot, a hyphen at either end, ...).
anything else       -> no scope: a tenant query there raises ScopeError.
"""

import re

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_scopes import scope, scopes_disabled

from .models import PortalMode
from .selectors import (
    locations_active,
    organization_for_portal,
    staff_organization_ids,
)

# An account name as URLs carry it: lowercase letters and digits, hyphens only
# between them. cms/urls.py routes portal views with the same pattern, so a
# view never runs for an address this middleware did not resolve.
ACCOUNT_NAME = r"[a-z0-9]+(?:-[a-z0-9]+)*"
PORTAL_PATH = re.compile(rf"^/portal/(?P<slug>{ACCOUNT_NAME})(?:/|$)")
PORTAL_SEGMENT = re.compile(r"^/portal/[^/]")
ADMIN_PATH = re.compile(r"^/admin/")
# Wagtail reports that summarise every organization at once (site history,
# page types usage) and cannot be filtered per organization: superusers only.
CROSS_ORGANIZATION_ADMIN_PATH = re.compile(
    r"^/admin/reports/(?:site-history|page-types-usage)/"
)
LOCATION_SESSION_KEY = "portico_location_{org_id}"
FAMILY_SESSION_KEY = "portico_family_{org_id}"


def choose_location(request, organization, locations):
    """The family's chosen location, else the primary, else the first active."""
    if not locations:
        return None
    wanted = request.session.get(LOCATION_SESSION_KEY.format(org_id=organization.pk))
    for location in locations:
        if location.pk == wanted:
            return location
    return next((loc for loc in locations if loc.is_primary), locations[0])


def choose_family(request, organization):
    """The family a logged-in guardian is acting for (their choice, else the
    first); a suspended family is never chosen."""
    from portal.families.selectors import guardianships_for_login

    request.guardian = None
    request.family = None
    request.guardianships = []
    if not request.user.is_authenticated:
        return
    guardianships = [
        g
        for g in guardianships_for_login(organization=organization, user=request.user)
        if not g.family.is_suspended
    ]
    request.guardianships = guardianships
    if not guardianships:
        return
    wanted = request.session.get(FAMILY_SESSION_KEY.format(org_id=organization.pk))
    chosen = next((g for g in guardianships if g.family_id == wanted), guardianships[0])
    request.guardian = chosen
    request.family = chosen.family


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = None
        request.location = None
        request.locations = []
        request.guardian = None
        request.family = None
        request.guardianships = []
        match = PORTAL_PATH.match(request.path_info)
        if match:
            return self.portal_request(request, match["slug"])
        if PORTAL_SEGMENT.match(request.path_info):
            raise Http404("No such portal.")
        if ADMIN_PATH.match(request.path_info):
            return self.admin_request(request)
        return self.get_response(request)

    def portal_request(self, request, slug):
        organization = organization_for_portal(slug=slug)
        if organization is None or organization.portal_settings.mode == PortalMode.OFF:
            raise Http404("No such portal.")
        request.organization = organization
        with scope(organization=organization.pk):
            request.locations = locations_active(organization=organization)
            request.location = choose_location(request, organization, request.locations)
            choose_family(request, organization)
            return self.get_response(request)

    def admin_request(self, request):
        user = request.user
        if not user.is_authenticated:
            with scope(organization=[]):
                return self.get_response(request)
        if user.is_superuser:
            request.staff_organization_ids = None
            with scopes_disabled():
                return self.get_response(request)
        if CROSS_ORGANIZATION_ADMIN_PATH.match(request.path_info):
            raise PermissionDenied
        request.staff_organization_ids = staff_organization_ids(user=user)
        with scope(organization=request.staff_organization_ids):
            return self.get_response(request)
