from django.utils.functional import SimpleLazyObject

from pages.selectors import portal_navigation
from portal.families.selectors import other_organizations_for


def portal(request):
    organization = getattr(request, "organization", None)
    if organization is None:
        return {}
    return {
        "organization": organization,
        "portal_settings": organization.portal_settings,
        "current_location": getattr(request, "location", None),
        "locations": getattr(request, "locations", []),
        "nav": SimpleLazyObject(
            lambda: portal_navigation(organization=organization, request=request)
        ),
        "guardian": getattr(request, "guardian", None),
        "family": getattr(request, "family", None),
        "guardianships": getattr(request, "guardianships", []),
        "other_organizations": SimpleLazyObject(
            lambda: other_organizations_for(user=request.user, exclude=organization)
        ),
    }
