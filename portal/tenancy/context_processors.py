from django.utils.functional import SimpleLazyObject

from .selectors import portal_navigation


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
    }
