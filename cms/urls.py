from django.conf import settings
from django.urls import include, path, re_path, register_converter
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal.billing import urls as billing_urls
from portal.tenancy.middleware import ACCOUNT_NAME
from portal.tenancy.views import legacy_portal_redirect


class AccountNameConverter:
    """An organization's account name, exactly as the tenant middleware reads it."""

    regex = ACCOUNT_NAME

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(AccountNameConverter, "account")

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("gateway/", include(billing_urls.gateway_urlpatterns)),
    re_path(
        rf"^parentportal/(?P<org_slug>{ACCOUNT_NAME})/(?P<rest>.*)$",
        legacy_portal_redirect,
    ),
    re_path(rf"^parentportal/(?P<org_slug>{ACCOUNT_NAME})$", legacy_portal_redirect),
    path("portal/<account:org_slug>/", include("portal.tenancy.urls")),
    path("portal/<account:org_slug>/", include("portal.accounts.urls")),
    path("portal/<account:org_slug>/", include("portal.families.urls")),
    path("portal/<account:org_slug>/", include("portal.families.guardian_urls")),
    path("portal/<account:org_slug>/", include("portal.catalog.urls")),
    path("portal/<account:org_slug>/", include("portal.catalog.event_urls")),
    path("portal/<account:org_slug>/", include("portal.cart.urls")),
    path("portal/<account:org_slug>/", include("portal.billing.urls")),
    # Wagtail serves the content pages (landing, news, staff, policies) last.
    path("portal/", include(wagtail_urls)),
    path("", RedirectView.as_view(url="/portal/", permanent=False)),
]

if getattr(settings, "PORTICO_SERVE_MEDIA", False):
    # Demo and tests serve uploads themselves; production uses object storage
    # or the web server in front. MEDIA_ROOT is read per request, so a test
    # that changes it is served from its own folder.
    from django.http import Http404
    from django.views.static import serve

    def serve_media(request, path):
        # Document files are only downloaded through /documents/<id>/<name>,
        # which checks who may have them; their files are never served as is.
        if path.startswith("documents/"):
            raise Http404
        return serve(request, path, document_root=settings.MEDIA_ROOT)

    urlpatterns.insert(
        0,
        re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", serve_media),
    )
