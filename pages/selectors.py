from .models import NewsPage, PolicyPage


def landing_news(*, home, limit=8):
    """Live news items of one organization marked for the landing carousel."""
    return list(
        NewsPage.objects.live()
        .descendant_of(home)
        .filter(show_on_landing=True)
        .select_related("image")
        .order_by("-date", "-pk")[:limit]
    )


def news_for_index(*, index):
    return (
        NewsPage.objects.live()
        .child_of(index)
        .select_related("image")
        .order_by("-date", "-pk")
    )


def policies_on_web(*, index, kind=None):
    qs = PolicyPage.objects.live().child_of(index).filter(show_on_web=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "title")
