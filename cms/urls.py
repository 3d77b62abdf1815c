from django.conf import settings
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal.tenancy.views import legacy_portal_redirect

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    re_path(
        r"^parentportal/(?P<org_slug>[a-z0-9-]+)/(?P<rest>.*)$", legacy_portal_redirect
    ),
    re_path(r"^parentportal/(?P<org_slug>[a-z0-9-]+)$", legacy_portal_redirect),
    path("portal/<slug:org_slug>/", include("portal.tenancy.urls")),
    path("portal/<slug:org_slug>/", include("portal.accounts.urls")),
    path("portal/<slug:org_slug>/", include("portal.families.urls")),
    path("portal/<slug:org_slug>/", include("portal.families.guardian_urls")),
    path("portal/<slug:org_slug>/", include("portal.catalog.urls")),
    path("portal/<slug:org_slug>/", include("portal.catalog.event_urls")),
    # Wagtail serves the content pages (landing, news, staff, policies) last.
    path("portal/", include(wagtail_urls)),
    path("", RedirectView.as_view(url="/portal/", permanent=False)),
]

if getattr(settings, "PORTICO_SERVE_MEDIA", False):
    # Demo and tests serve uploads themselves; production uses object storage
    # or the web server in front. MEDIA_ROOT is read per request, so a test
    # that changes it is served from its own folder.
    from django.views.static import serve

    def serve_media(request, path):
        return serve(request, path, document_root=settings.MEDIA_ROOT)

    urlpatterns.insert(
        0,
        re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", serve_media),
    )
