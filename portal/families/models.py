"""Families: guardians (who may log in), students, contact data, policy answers."""

import datetime
import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager, scopes_disabled
from wagtail.search import index

from portal.tenancy.models import TenantModel


def age_in_months(date_of_birth: datetime.date, on: datetime.date) -> int:
    """Whole months of age on a day (negative before birth)."""
    months = (on.year - date_of_birth.year) * 12 + (on.month - date_of_birth.month)
    if on.day < date_of_birth.day:
        months -= 1
    return months


PHONE_DIGITS = re.compile(r"\d+")
PHONE_LIKE = re.compile(r"^[\d\s()+./-]*\d{3}[\d\s()+./-]*$")


def phone_search_query(query: str) -> str:
    """A search that looks like a phone number, as the index holds numbers:
    its groups of digits ("555-0199" -> "555 0199"); other searches as typed."""
    if PHONE_LIKE.match(query.strip()):
        return " ".join(PHONE_DIGITS.findall(query))
    return query


class FamilySearch(index.Indexed):
    """Staff find a family, and its students, by a guardian's name, e-mail or
    phone through Wagtail's search index (the database backend's index table),
    not by scanning guardian and contact rows.

    Guardians and contact data reach a family through relations that are not
    followed backwards (``related_name="+"``) and through scoped managers, so
    the indexed texts are read here with scopes disabled: indexing is the same
    for every organization, and searching stays limited to the listing's own
    (scoped) queryset. portal/families/services.py re-indexes a family and its
    students whenever its guardians or contact data change.
    """

    @classmethod
    def get_indexed_objects(cls):
        return cls.objects.with_scopes_disabled().all()

    def _family_id(self):
        return self.pk if isinstance(self, Family) else self.family_id

    def search_guardian_names(self):
        with scopes_disabled():
            names = Guardian.objects.filter(family_id=self._family_id()).values_list(
                "first_name", "last_name"
            )
            return " ".join(f"{first} {last}" for first, last in names)

    def search_emails(self):
        with scopes_disabled():
            return " ".join(
                ContactEmail.objects.filter(family_id=self._family_id()).values_list(
                    "email", flat=True
                )
            )

    def search_phones(self):
        """Each number as its groups of digits and as all its digits together
        ("(312) 555-0199" is "312 555 0199 3125550199"): search engines split
        punctuation differently, so the index holds digits only and the admin
        search turns a typed number into the same form (phone_search_query)."""
        with scopes_disabled():
            numbers = ContactPhone.objects.filter(
                family_id=self._family_id()
            ).values_list("number", flat=True)
            texts = []
            for number in numbers:
                groups = PHONE_DIGITS.findall(number)
                texts.extend(dict.fromkeys((" ".join(groups), "".join(groups))))
            return " ".join(texts)

    GUARDIAN_FIELDS = [
        index.SearchField("search_guardian_names"),
        index.AutocompleteField("search_guardian_names"),
        index.SearchField("search_emails"),
        index.AutocompleteField("search_emails"),
        index.SearchField("search_phones"),
        index.AutocompleteField("search_phones"),
        index.FilterField("organization"),
    ]


class Family(FamilySearch, models.Model):
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="families"
    )
    name = models.CharField(_("family name"), max_length=150)
    is_suspended = models.BooleanField(
        _("suspended"),
        default=False,
        help_text=_("A suspended family cannot log in to the portal."),
    )
    referral_source = models.ForeignKey(
        "snippets.ReferralSource",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("how they heard about us"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        *FamilySearch.GUARDIAN_FIELDS,
        # What the admin listing filters and sorts by.
        index.FilterField("name"),
        index.FilterField("is_suspended"),
        index.FilterField("referral_source"),
        index.FilterField("created_at"),
    ]

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("family")
        verbose_name_plural = _("families")

    def __str__(self):
        return self.name


class Relationship(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    GRANDPARENT = "grandparent", _("Grandparent")
    GUARDIAN = "guardian", _("Guardian")
    OTHER = "other", _("Other")


class InviteStatus(models.TextChoices):
    NOT_INVITED = "none", _("Not invited")
    SENT = "sent", _("Invite Sent")
    ACCEPTED = "accepted", _("Can Log In")
    REVOKED = "revoked", _("Invite Revoked")


class Guardian(TenantModel):
    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="guardians"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guardianships",
    )
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    relationship = models.CharField(
        _("relationship to the students"),
        max_length=20,
        choices=Relationship.choices,
        default=Relationship.GUARDIAN,
    )
    is_primary = models.BooleanField(_("primary guardian"), default=False)
    may_make_payments = models.BooleanField(_("may make payments"), default=True)
    invite_status = models.CharField(
        _("login status"),
        max_length=10,
        choices=InviteStatus.choices,
        default=InviteStatus.NOT_INVITED,
    )
    invite_email = models.EmailField(_("invite email"), blank=True)
    invite_sent_at = models.DateTimeField(null=True, blank=True)
    # Changing the nonce voids every invite link sent before.
    invite_nonce = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "pk"]
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        constraints = [
            models.UniqueConstraint(
                fields=["family"],
                condition=models.Q(is_primary=True),
                name="guardian_one_primary_per_family",
            ),
            models.UniqueConstraint(
                fields=["family", "user"], name="guardian_user_once_per_family"
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def can_log_in(self):
        return self.user_id is not None and (
            self.is_primary or self.invite_status == InviteStatus.ACCEPTED
        )


class EmailType(models.TextChoices):
    HOME = "home", _("Home")
    WORK = "work", _("Work")
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    GRANDPARENT = "grandparent", _("Grandparent")
    OTHER = "other", _("Other")


class PhoneType(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    HOME = "home", _("Home")
    WORK = "work", _("Work")
    OTHER = "other", _("Other")


class ContactData(TenantModel):
    """Belongs to a guardian, or to the family's "Unassigned" column."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="+")
    guardian = models.ForeignKey(
        Guardian,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("guardian"),
    )

    class Meta:
        abstract = True


class ContactEmail(ContactData):
    email = models.EmailField(_("email"))
    email_type = models.CharField(
        _("email type"),
        max_length=20,
        choices=EmailType.choices,
        default=EmailType.HOME,
    )
    subscribed = models.BooleanField(
        _("emergency and informational emails"),
        default=True,
        help_text=_(
            "Off: only enrollment confirmations, receipts and statements are sent."
        ),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("email")

    def __str__(self):
        return self.email


class ContactPhone(ContactData):
    number = models.CharField(_("phone number"), max_length=40)
    phone_type = models.CharField(
        _("phone type"),
        max_length=20,
        choices=PhoneType.choices,
        default=PhoneType.MOBILE,
    )
    sms_opt_in = models.BooleanField(_("text messages"), default=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("phone")

    def __str__(self):
        return self.number


class ContactAddress(ContactData):
    line1 = models.CharField(_("address"), max_length=200)
    line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    region = models.CharField(_("state / region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20)
    country = models.CharField(_("country"), max_length=100, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self):
        return ", ".join(p for p in (self.line1, self.city, self.postal_code) if p)


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Student(FamilySearch, TenantModel):
    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="students"
    )
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    date_of_birth = models.DateField(_("date of birth"))
    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, blank=True
    )
    has_allergies = models.BooleanField(
        _("allergies / special health conditions"), default=False
    )
    allergy_details = models.TextField(_("details"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    search_fields = [
        index.SearchField("first_name"),
        index.AutocompleteField("first_name"),
        index.SearchField("last_name"),
        index.AutocompleteField("last_name"),
        *FamilySearch.GUARDIAN_FIELDS,
        # What the admin listing sorts by.
        index.FilterField("first_name"),
        index.FilterField("last_name"),
        index.FilterField("family"),
        index.FilterField("date_of_birth"),
    ]

    class Meta:
        ordering = ["first_name", "pk"]
        verbose_name = _("student")
        verbose_name_plural = _("students")

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def age_on(self, day: datetime.date):
        """Whole years and months of age on a given day."""
        return divmod(max(age_in_months(self.date_of_birth, day), 0), 12)


class PolicyAnswer(TenantModel):
    """One answer to a policy. Answers are never changed: a newer answer to the
    same policy (and student) supersedes an older one."""

    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="policy_answers"
    )
    student = models.ForeignKey(
        Student,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="policy_answers",
    )
    policy = models.ForeignKey(
        "pages.PolicyPage", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    policy_title = models.CharField(max_length=255)
    policy_version = models.PositiveIntegerField()
    accepted = models.BooleanField()
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField()

    class Meta:
        ordering = ["-answered_at", "-pk"]
        indexes = [models.Index(fields=["family", "policy", "student"])]

    def __str__(self):
        verdict = "accepted" if self.accepted else "rejected"
        return f"{self.policy_title} v{self.policy_version} {verdict}"


class CustomFieldValue(TenantModel):
    definition = models.ForeignKey(
        "snippets.CustomField", on_delete=models.CASCADE, related_name="values"
    )
    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="custom_values"
    )
    student = models.ForeignKey(
        Student,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="custom_values",
    )
    value = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "family"],
                condition=models.Q(student__isnull=True),
                name="custom_value_once_per_family",
            ),
            models.UniqueConstraint(
                fields=["definition", "student"],
                condition=models.Q(student__isnull=False),
                name="custom_value_once_per_student",
            ),
        ]
