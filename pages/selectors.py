from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Prefetch
from wagtail.images import get_image_model
from wagtail.models import Site

from .models import (
    NewsIndexPage,
    NewsPage,
    PolicyIndexPage,
    PolicyPage,
    PortalHomePage,
    StaffPage,
)

# Rendition filter specs used by the templates, prefetched with the pages so a
# page of news costs the same number of queries whatever its length.
LANDING_RENDITIONS = (
    "fill-1600x900|format-jpeg",  # the slide on landscape screens
    "fill-720x1080|format-jpeg",  # the slide on portrait screens (phones)
    "width-720",  # the Learn More dialog
)
INDEX_RENDITIONS = ("fill-480x270",)


def _with_images(queryset, renditions):
    images = get_image_model().objects.prefetch_renditions(*renditions)
    return queryset.prefetch_related(Prefetch("image", queryset=images))


def landing_news(*, home, limit=8):
    """Live news items of one organization marked for the landing carousel."""
    qs = (
        NewsPage.objects.live()
        .descendant_of(home)
        .filter(show_on_landing=True)
        .order_by("-date", "-pk")
    )
    return list(_with_images(qs, LANDING_RENDITIONS)[:limit])


def news_for_index(*, index):
    qs = NewsPage.objects.live().child_of(index).order_by("-date", "-pk")
    return _with_images(qs, INDEX_RENDITIONS)


def policies_on_web(*, index, kind=None):
    qs = PolicyPage.objects.live().child_of(index).filter(show_on_web=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "title")


# The toolbar's navigation -------------------------------------------------
#
# Every portal page links to the organization's news, staff page and policies.
# Finding them means reading the home page, its children and Wagtail's site
# roots, so the result is cached per organization and cleared by
# pages/signals.py whenever one of those pages (or a Site) changes. The
# organization's on/off switches are applied after reading the cache, so
# flipping one takes effect at once without clearing anything.

NAVIGATION_CACHE_SECONDS = 60 * 60 * 24
NAV_NEWS, NAV_STAFF, NAV_POLICIES = "news", "staff", "policies"


@dataclass
class NavLink:
    title: str
    url: str


@dataclass
class PortalNavigation:
    """What the toolbar, menu and dashboard link to, for one request."""

    home: object = None
    news: NavLink | None = None
    staff: NavLink | None = None
    policies: NavLink | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _CachedLink:
    """A section page's link as Wagtail would build it, without the request:
    the site it belongs to, that site's root URL and the path under it."""

    kind: str
    title: str
    site_id: int
    root_url: str
    path: str


def navigation_cache_key(slug):
    return f"portico:nav:{slug}"


def navigation_cache_clear(*, slugs=None):
    """Forget the cached navigation of these organizations (all when None)."""
    if slugs is None:
        from portal.tenancy.models import Organization

        slugs = Organization.objects.values_list("slug", flat=True)
    cache.delete_many([navigation_cache_key(slug) for slug in slugs])


def _navigation_read(*, organization):
    """The organization's home page and section links, straight from the tree."""
    home = PortalHomePage.objects.live().filter(organization=organization).first()
    if home is None:
        return {"home": None, "links": (), "single_site": True}
    kinds = {
        NewsIndexPage: NAV_NEWS,
        StaffPage: NAV_STAFF,
        PolicyIndexPage: NAV_POLICIES,
    }
    links = []
    for child in home.get_children().live().defer_streamfields():
        page_class = ContentType.objects.get_for_id(child.content_type_id).model_class()
        kind = kinds.get(page_class)
        parts = child.get_url_parts() if kind else None
        if parts is None or parts[2] is None:
            continue  # not one of the sections, or not routable
        site_id, root_url, path = parts
        links.append(_CachedLink(kind, child.title, site_id, root_url, path))
    site_ids = {root.site_id for root in Site.get_site_root_paths()}
    return {"home": home, "links": tuple(links), "single_site": len(site_ids) <= 1}


def _link_url(link, *, single_site, request):
    # The same choice Page.get_url makes: a path when the page is on the
    # request's own site (or there is only one site), else the full URL.
    if single_site:
        return link.path
    current = Site.find_for_request(request)
    if current is not None and current.pk == link.site_id:
        return link.path
    return link.root_url + link.path


def portal_navigation(*, organization, request):
    """The organization's content pages for the toolbar: from the cache, read
    from the page tree at most once per change of those pages."""
    memo = getattr(request, "_portal_navigation", None)
    if memo is not None and memo[0] == organization.pk:
        return memo[1]
    key = navigation_cache_key(organization.slug)
    cached = cache.get(key)
    if cached is None:
        cached = _navigation_read(organization=organization)
        cache.set(key, cached, NAVIGATION_CACHE_SECONDS)
    switches = organization.portal_settings
    shown = {
        NAV_NEWS: switches.show_news,
        NAV_STAFF: switches.show_staff_page,
        NAV_POLICIES: True,
    }
    nav = PortalNavigation(home=cached["home"])
    for link in cached["links"]:
        if shown[link.kind] and getattr(nav, link.kind) is None:
            url = _link_url(link, single_site=cached["single_site"], request=request)
            setattr(nav, link.kind, NavLink(link.title, url))
    request._portal_navigation = (organization.pk, nav)
    return nav
