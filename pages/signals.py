"""Keeps the cached toolbar navigation (pages.selectors.portal_navigation)
honest. It is built from an organization's home page and the home's children,
so any save (publish, unpublish, rename, slug change), move or delete of one
of those pages clears that organization's entry; a change to the shared
/portal/ root or to a Site clears every organization's. No business rule
lives here.

The entry is cleared at once and again when the transaction commits, so a
request that reads the tree between the two cannot keep a stale copy.
"""

from django.db import transaction
from wagtail.models import Page


def _organization_slug(url_path):
    """Which organization's navigation a page at this url_path feeds:
    ("slug",) for a home page or one of its children, () for pages deeper
    down, None for the shared root (every organization)."""
    parts = [part for part in (url_path or "").split("/") if part]
    if len(parts) <= 1:
        return None
    if len(parts) <= 3:
        return (parts[1],)
    return ()


def _clear(url_paths):
    from .selectors import navigation_cache_clear

    slugs = set()
    for url_path in url_paths:
        found = _organization_slug(url_path)
        if found is None:
            slugs = None
            break
        slugs.update(found)
    if slugs == set():
        return
    navigation_cache_clear(slugs=slugs)
    transaction.on_commit(lambda: navigation_cache_clear(slugs=slugs))


def page_saved_or_deleted(sender, instance, **kwargs):
    if isinstance(instance, Page):
        _clear([instance.url_path])


def page_moved(sender, instance, url_path_before, url_path_after, **kwargs):
    _clear([url_path_before, url_path_after])


def site_changed(sender, instance, **kwargs):
    _clear(["/"])
