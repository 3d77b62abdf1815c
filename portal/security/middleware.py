"""Per-area response headers: what the admin adds to the Content-Security-Policy,
and Cache-Control: no-store on every personal page."""

import re

from django.conf import settings
from django.utils.cache import add_never_cache_headers

from portal.tenancy.middleware import ACCOUNT_NAME

ADMIN_PATH = re.compile(r"^/admin/")
# Pages about one person (their account, their cart) and the forms that take
# passwords and codes: never stored by a browser or a shared cache.
PERSONAL_PORTAL_PATH = re.compile(
    rf"^/portal/{ACCOUNT_NAME}/"
    r"(?:account|login|logout|register|password|invite|cart|checkout)(?:/|$)"
)


class SecurityHeadersMiddleware:
    """Runs inside django-csp's middleware, which writes the header from
    `CONTENT_SECURITY_POLICY` plus what a response's `_csp_update` adds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        path = request.path_info
        if ADMIN_PATH.match(path):
            update = getattr(settings, "PORTICO_ADMIN_CSP_UPDATE", None)
            if update and not hasattr(response, "_csp_update"):
                response._csp_update = update
        user = getattr(request, "user", None)
        if (
            ADMIN_PATH.match(path)
            or PERSONAL_PORTAL_PATH.match(path)
            or (user is not None and user.is_authenticated)
        ):
            add_never_cache_headers(response)
        return response
