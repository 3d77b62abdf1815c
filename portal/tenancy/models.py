import zoneinfo

from django.conf import settings
from django.contrib.admin import display as admin_display
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

SLUG_VALIDATOR = RegexValidator(
    r"^(?!.*--)[a-z0-9][a-z0-9-]{0,48}[a-z0-9]$",
    _("Use lowercase letters, digits and single hyphens (2 to 50 characters)."),
)
TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]


class Organization(models.Model):
    """One business. Its slug is the account name in every portal URL."""

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(
        _("account name"),
        max_length=50,
        unique=True,
        validators=[SLUG_VALIDATOR],
        help_text=_("Appears in the portal address: /portal/<account name>/"),
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    staff_group = models.OneToOneField(
        "auth.Group",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Wagtail group whose members edit this organization's content."),
    )
    collection = models.ForeignKey(
        "wagtailcore.Collection",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Raised whenever a class, program, level or instructor changes: cached
    # catalog reads (booking filter options, classes' first days) are keyed
    # by it.
    catalog_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self):
        return self.name

    @property
    def organization(self):
        # Lets permission checks treat the organization like a tenant-owned row.
        return self

    @property
    def organization_id(self):
        return self.pk


class TenantModel(models.Model):
    """Base of every tenant-owned row: its organization and a scoped manager,
    so a query outside a django-scopes scope fails instead of leaking."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+"
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        abstract = True


class Location(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(_("name"), max_length=120)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("state / region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="UTC"
    )
    is_primary = models.BooleanField(
        _("primary location"),
        default=False,
        help_text=_("Families see this location until they choose another."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="location_unique_name"
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(is_primary=True),
                name="location_one_primary",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def address_lines(self):
        city_line = " ".join(
            part
            for part in (
                ", ".join(p for p in (self.city, self.region) if p),
                self.postal_code,
            )
            if part
        )
        return [
            line for line in (self.address_line1, self.address_line2, city_line) if line
        ]

    def clean(self):
        if self.is_primary and not self.is_active:
            raise ValidationError(
                {"is_active": _("The primary location cannot be inactive.")}
            )


class PortalMode(models.TextChoices):
    SETUP = "setup", _("Setup (read-only preview)")
    ACTIVE = "active", _("Active")
    OFF = "off", _("Off")


class PortalSettings(models.Model):
    """Every switch the portal has for one organization, with its default."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="portal_settings"
    )
    mode = models.CharField(
        _("portal mode"),
        max_length=10,
        choices=PortalMode.choices,
        default=PortalMode.SETUP,
        help_text=_(
            "Setup: families can browse a read-only preview. Active: the portal "
            "is open. Off: the portal answers 'not found'."
        ),
    )
    show_news = models.BooleanField(
        _("show News"), default=True, help_text=_("News tile and toolbar entry.")
    )
    show_staff_page = models.BooleanField(
        _("show the staff page"),
        default=True,
        help_text=_("Listed under MORE with the staff page's own title."),
    )
    allow_account_creation = models.BooleanField(
        _("families may create accounts"), default=True
    )
    require_email_validation = models.BooleanField(
        _("validate the login email first"),
        default=True,
        help_text=_("New families confirm their email with an e-mailed code."),
    )
    require_student_gender = models.BooleanField(
        _("student gender required"), default=False
    )
    privacy_policy_url = models.URLField(_("privacy policy address"), blank=True)
    terms_url = models.URLField(_("terms of use address"), blank=True)
    website_url = models.URLField(
        _("website address"),
        blank=True,
        help_text=_("Shown in the menu as 'Visit Website'."),
    )
    ios_app_url = models.URLField(_("iPhone app link"), blank=True)
    android_app_url = models.URLField(_("Android app link"), blank=True)
    show_find_class = models.BooleanField(
        _("offer Find the Right Class"),
        default=True,
        help_text=_(
            "Parents enter a child's date of birth and gender (or pick one of "
            "their students) and see the classes that fit."
        ),
    )
    # Class Filters: which booking filters parents see.
    filter_location = models.BooleanField(_("location"), default=True)
    filter_program = models.BooleanField(_("program"), default=True)
    filter_level = models.BooleanField(_("level"), default=True)
    filter_weekday = models.BooleanField(_("day of week"), default=True)
    filter_time_of_day = models.BooleanField(_("time of day"), default=True)
    filter_age = models.BooleanField(_("age"), default=True)
    filter_gender = models.BooleanField(_("gender"), default=False)
    filter_instructor = models.BooleanField(_("instructor"), default=False)
    filter_openings = models.BooleanField(_("openings only"), default=True)
    carousel_seconds = models.PositiveSmallIntegerField(
        _("seconds per landing slide"), default=7
    )
    # Enrolling and paying.
    reservation_minutes = models.PositiveSmallIntegerField(
        _("reservation time, minutes"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("How long a seat in the cart is held for the family."),
    )
    accept_cards = models.BooleanField(_("accept cards"), default=True)
    accept_echecks = models.BooleanField(
        _("accept eChecks (bank accounts)"), default=False
    )
    require_recurring_method = models.BooleanField(
        _("require a saved method authorized for recurring billing"),
        default=False,
        help_text=_(
            "Families keep at least one stored method authorized for recurring "
            "billing: they cannot delete it or switch the authorization off."
        ),
    )
    pay_at_front_desk = models.BooleanField(
        _("enroll now, pay at the front desk"),
        default=False,
        help_text=_(
            "Without online payments, families may still enroll; the charges "
            "stay outstanding until paid at the front desk."
        ),
    )

    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("logo"),
        help_text=_("Printed at the top of statements."),
    )
    tax_id = models.CharField(
        _("tax ID"),
        max_length=40,
        blank=True,
        help_text=_("Printed on year-end statements for dependent-care (FSA) claims."),
    )
    show_credit = models.BooleanField(
        _("show credit"),
        default=True,
        help_text=_(
            "Families see their credit under My Account > Payments and may "
            "apply it to outstanding charges."
        ),
    )
    show_full_ledger_history = models.BooleanField(
        _("show full ledger history"),
        default=False,
        help_text=_(
            "Families may choose any date range for their ledger; otherwise "
            "it covers the last 30 days."
        ),
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")

    def __str__(self):
        return str(_("Portal settings for %(org)s") % {"org": self.organization})

    @property
    def is_open(self):
        return self.mode == PortalMode.ACTIVE

    @property
    def is_read_only(self):
        return self.mode == PortalMode.SETUP

    CLASS_FILTERS = (
        "location",
        "program",
        "level",
        "weekday",
        "time_of_day",
        "age",
        "gender",
        "instructor",
        "openings",
    )

    @property
    def class_filters(self):
        """Names of the booking filters staff switched on, in display order."""
        return [name for name in self.CLASS_FILTERS if getattr(self, f"filter_{name}")]

    @property
    def has_mobile_apps(self):
        return bool(self.ios_app_url or self.android_app_url)

    def clean(self):
        if self.carousel_seconds is not None and not 3 <= self.carousel_seconds <= 60:
            raise ValidationError(
                {"carousel_seconds": _("Choose between 3 and 60 seconds.")}
            )


class StaffRole(models.TextChoices):
    MANAGER = "manager", _("Manager")
    FRONT_DESK = "front_desk", _("Front desk")
    MARKETING = "marketing", _("Marketing")


class StaffMembership(models.Model):
    """A user who works for an organization and may use its admin."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="staff_memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_memberships",
    )
    role = models.CharField(
        _("role"), max_length=20, choices=StaffRole.choices, default=StaffRole.MANAGER
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="staff_membership_unique"
            )
        ]

    def __str__(self):
        return f"{self.user} @ {self.organization}"

    # Columns of the staff listing.
    @property
    @admin_display(description=_("name"))
    def name(self):
        return str(self.user)

    @property
    @admin_display(description=_("email"))
    def email(self):
        return self.user.email

    @property
    @admin_display(description=_("status"))
    def status(self):
        if self.user.has_usable_password():
            return _("Can log in")
        return _("Invited (no password chosen yet)")


class RoleGroup(models.Model):
    """The Wagtail group through which the staff of one role in one
    organization get their permissions (portal/tenancy/services.py, its
    docstring and ROLE_PERMISSIONS).

    Part of an organization's setup, like its staff group and collection: only
    the staff services read it, so it has no scoped manager.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="role_groups"
    )
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices)
    group = models.OneToOneField(
        "auth.Group", on_delete=models.CASCADE, related_name="portico_role"
    )

    class Meta:
        verbose_name = _("role group")
        verbose_name_plural = _("role groups")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "role"], name="role_group_unique"
            )
        ]

    def __str__(self):
        return f"{self.organization} {self.get_role_display()}"
