from django.db import transaction
from wagtail.models import Page, Site

from .models import NewsIndexPage, PolicyIndexPage, PortalHomePage, PortalRootPage


@transaction.atomic
def portal_root_ensure() -> PortalRootPage:
    """The shared /portal/ root page, made the default site's root."""
    root = PortalRootPage.objects.first()
    if root is None:
        root = Page.get_first_root_node().add_child(
            instance=PortalRootPage(title="Portico", slug="portal")
        )
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=root,
            is_default_site=True,
            site_name="Portico",
        )
    elif site.root_page_id != root.pk:
        old_root = site.root_page
        site.root_page = root
        site.save()
        # Wagtail's placeholder welcome page has no place in a portal.
        if old_root.depth == 2 and old_root.specific_class is Page:
            old_root.delete()
    return root


@transaction.atomic
def portal_home_create(*, organization) -> PortalHomePage:
    """An organization's home page with its News and Policies sections."""
    root = portal_root_ensure()
    home = root.add_child(
        instance=PortalHomePage(
            title=organization.name, slug=organization.slug, organization=organization
        )
    )
    home.add_child(instance=NewsIndexPage(title="News", slug="news"))
    home.add_child(instance=PolicyIndexPage(title="Policies", slug="policies"))
    return home
