"""Editable lookups that staff manage as Wagtail snippets, per organization."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.tenancy.models import TenantModel


class ReferralSource(TenantModel):
    """An answer to "How did you hear about us?"."""

    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("offered to families"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("referral source")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="referral_source_unique"
            )
        ]

    def __str__(self):
        return self.name


class CustomField(TenantModel):
    """A question staff add to the family or student form."""

    class AppliesTo(models.TextChoices):
        FAMILY = "family", _("Family")
        STUDENT = "student", _("Student")

    class FieldType(models.TextChoices):
        TEXT = "text", _("Text")
        CHOICE = "choice", _("Choice")
        YES_NO = "yes_no", _("Yes / No")
        DATE = "date", _("Date")

    label = models.CharField(_("label"), max_length=120)
    applies_to = models.CharField(
        _("asked for"),
        max_length=10,
        choices=AppliesTo.choices,
        default=AppliesTo.FAMILY,
    )
    field_type = models.CharField(
        _("type"), max_length=10, choices=FieldType.choices, default=FieldType.TEXT
    )
    choices = models.TextField(
        _("choices"), blank=True, help_text=_("For a choice field: one per line.")
    )
    required = models.BooleanField(_("required"), default=False)
    visible_to_customers = models.BooleanField(_("asked in the portal"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "label"]
        verbose_name = _("custom field")

    def __str__(self):
        return self.label

    @property
    def choice_list(self):
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self):
        if self.field_type == self.FieldType.CHOICE and len(self.choice_list) < 2:
            raise ValidationError({"choices": _("Give at least two choices.")})
