"""Content pages. Each organization owns one subtree under the shared /portal/ root.

Pages are isolated per organization by Wagtail page permissions (a group per
organization with rights on its own PortalHomePage), not by a scoped manager:
the page tree is Wagtail's and is queried by Wagtail's own code.
"""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    InlinePanel,
    MultiFieldPanel,
    PublishingPanel,
)
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page

from .blocks import BodyBlock
from .forms import OrganizationPageForm

# First path segments under /portal/<slug>/ that Django views answer.
RESERVED_SLUGS = frozenset(
    {
        "home",
        "login",
        "logout",
        "register",
        "password",
        "booking",
        "cart",
        "checkout",
        "account",
        "shop",
        "gift-cards",
        "location",
        "welcome",
        "invite",
    }
)


# Read when the editor is drawn, in the zone the admin uses for this user
# (portal/tenancy/admin_timezone.py): the organization's, unless they chose one.
SCHEDULE_HELP = format_lazy(
    _("Go-live and expiry times are in {zone}."),
    zone=lazy(timezone.get_current_timezone_name, str)(),
)


class BasePage(Page):
    """Shared behaviour for every page inside an organization's subtree."""

    base_form_class = OrganizationPageForm
    # Wagtail's own settings panels, with the publishing schedule naming its zone.
    settings_panels = [
        PublishingPanel(help_text=SCHEDULE_HELP)
        if getattr(panel, "path", "") == "wagtail.admin.panels.PublishingPanel"
        else panel
        for panel in Page.settings_panels
    ]

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        parent = self.get_parent() if self.pk else None
        if parent is not None and isinstance(parent.specific, PortalHomePage):
            if self.slug in RESERVED_SLUGS:
                raise ValidationError(
                    {
                        "slug": _("'%(slug)s' is used by the portal itself.")
                        % {"slug": self.slug}
                    }
                )

    def get_organization(self):
        home = (
            PortalHomePage.objects.ancestor_of(self, inclusive=True)
            .select_related("organization__portal_settings")
            .first()
        )
        return home.organization if home else None

    def belongs_to(self, organization):
        # Every organization's subtree lives at /portal/<slug>/ (url_path is
        # kept up to date by Wagtail), so this needs no query.
        return organization is not None and self.url_path.startswith(
            f"/portal/{organization.slug}/"
        )

    def serve(self, request, *args, **kwargs):
        if getattr(request, "is_preview", False):
            # Admin preview: the page brings its own organization along.
            request.organization = self.get_organization()
        elif not self.belongs_to(getattr(request, "organization", None)):
            # The tenant middleware resolved the organization from the same
            # path; a page reached under another organization does not exist.
            raise Http404
        return super().serve(request, *args, **kwargs)


class PortalRootPage(Page):
    """The shared /portal/ root: lists the organizations whose portal is open."""

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["pages.PortalHomePage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from portal.tenancy.selectors import organizations_open

        context = super().get_context(request, *args, **kwargs)
        context["organizations"] = organizations_open()
        return context


class PortalHomePage(BasePage):
    """An organization's landing page; it also holds the Welcome Information."""

    organization = models.OneToOneField(
        "tenancy.Organization",
        on_delete=models.PROTECT,
        related_name="home_page",
    )
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    welcome_enabled = models.BooleanField(
        _("show Welcome Information"),
        default=False,
        help_text=_("Shown once per browser session on the dashboard."),
    )
    welcome_title = models.CharField(_("welcome title"), max_length=120, blank=True)
    welcome_body = RichTextField(
        _("welcome text"),
        blank=True,
        features=["h3", "bold", "italic", "link", "ol", "ul"],
    )

    content_panels = [
        FieldPanel("title"),
        FieldPanel("tagline"),
        MultiFieldPanel(
            [
                FieldPanel("welcome_enabled"),
                FieldPanel("welcome_title"),
                FieldPanel("welcome_body"),
            ],
            heading=_("Welcome Information"),
        ),
    ]
    promote_panels = [FieldPanel("seo_title"), FieldPanel("search_description")]

    parent_page_types = ["pages.PortalRootPage"]
    subpage_types = ["pages.NewsIndexPage", "pages.StaffPage", "pages.PolicyIndexPage"]

    class Meta:
        verbose_name = _("portal home page")

    def clean(self):
        super().clean()
        if self.organization_id and self.slug != self.organization.slug:
            raise ValidationError(
                {
                    "slug": _(
                        "The home page's slug must stay the account name '%(s)s'."
                    )
                    % {"s": self.organization.slug}
                }
            )
        if self.welcome_enabled and not (self.welcome_title and self.welcome_body):
            raise ValidationError(
                {"welcome_body": _("Add a title and text, or switch it off.")}
            )

    def get_organization(self):
        return self.organization

    def get_context(self, request, *args, **kwargs):
        from .selectors import landing_news

        context = super().get_context(request, *args, **kwargs)
        context["slides"] = landing_news(home=self)
        return context


class NewsIndexPage(BasePage):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["pages.PortalHomePage"]
    subpage_types = ["pages.NewsPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("news index")

    def get_context(self, request, *args, **kwargs):
        from .selectors import news_for_index

        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(news_for_index(index=self), 10)
        context["page_obj"] = paginator.get_page(request.GET.get("page"))
        return context


class NewsPage(BasePage):
    date = models.DateField(_("date"), default=timezone.localdate)
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("image"),
        help_text=_("Also the landing page background when shown there."),
    )
    summary = models.CharField(_("summary"), max_length=300)
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))
    show_on_landing = models.BooleanField(
        _("show on landing"),
        default=False,
        help_text=_("Cycles on the landing page with its image as background."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("summary"),
        FieldPanel(
            "image",
            help_text=_(
                "Also the landing page background when shown there. The image's "
                "own description (edit it under Images) is read out to people "
                "who cannot see it."
            ),
        ),
        FieldPanel("body"),
        FieldPanel("show_on_landing"),
    ]
    parent_page_types = ["pages.NewsIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news items")


class StaffPage(BasePage):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic"])

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        InlinePanel(
            "members",
            label=_("Staff member"),
            heading=_("Staff members"),
            # Each member's form is headed by their name (static/js/admin/).
            attrs={"data-inline-heading-field": "name"},
        ),
    ]
    parent_page_types = ["pages.PortalHomePage"]
    subpage_types = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("staff page")


class StaffMember(Orderable):
    page = ParentalKey(StaffPage, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=120)
    role = models.CharField(_("role"), max_length=120, blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("photo"),
    )
    bio = RichTextField(_("bio"), blank=True, features=["bold", "italic", "link"])

    panels = [
        FieldPanel("name"),
        FieldPanel("role"),
        FieldPanel("photo"),
        FieldPanel("bio"),
    ]

    def __str__(self):
        return self.name


class PolicyIndexPage(BasePage):
    parent_page_types = ["pages.PortalHomePage"]
    subpage_types = ["pages.PolicyPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("policy index")

    def get_context(self, request, *args, **kwargs):
        from .selectors import policies_on_web

        context = super().get_context(request, *args, **kwargs)
        context["policies"] = policies_on_web(index=self)
        return context


class PolicyKind(models.TextChoices):
    FAMILY = "family", _("Family policy")
    STUDENT = "student", _("Student policy")


class PolicyPage(BasePage):
    kind = models.CharField(
        _("applies to"),
        max_length=10,
        choices=PolicyKind.choices,
        default=PolicyKind.FAMILY,
    )
    required = models.BooleanField(
        _("required"),
        default=True,
        help_text=_("Must be accepted before booking."),
    )
    show_on_web = models.BooleanField(
        _("show on the web"),
        default=True,
        help_text=_("Off: kept for staff records and not shown in the portal."),
    )
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        help_text=_(
            "Raise the version when a change needs every family to accept the "
            "policy again; they are asked at their next log in."
        ),
    )
    body = RichTextField(
        _("policy text"), features=["h3", "bold", "italic", "link", "ol", "ul"]
    )

    content_panels = Page.content_panels + [
        FieldPanel("kind"),
        FieldPanel("required"),
        FieldPanel("show_on_web"),
        FieldPanel("version"),
        FieldPanel("body"),
    ]
    parent_page_types = ["pages.PolicyIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

    def serve(self, request, *args, **kwargs):
        if not self.show_on_web:
            raise Http404
        return super().serve(request, *args, **kwargs)
