from django.db.models import Prefetch
from wagtail.images import get_image_model

from .models import NewsPage, PolicyPage

# Rendition filter specs used by the templates, prefetched with the pages so a
# page of news costs the same number of queries whatever its length.
LANDING_RENDITIONS = ("fill-1600x900|format-jpeg", "width-720")
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
