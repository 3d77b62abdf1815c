"""Enrollments: a student's place in a class, camp or party.

Only what "Coming Up!" needs so far; enrolling, drops and waitlists follow.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.catalog.models import ONE_OFFERING
from portal.tenancy.models import TenantModel


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DROPPED = "dropped", _("Dropped")


class Enrollment(TenantModel):
    student = models.ForeignKey(
        "families.Student", on_delete=models.CASCADE, related_name="enrollments"
    )
    klass = models.ForeignKey(
        "catalog.Class",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    event = models.ForeignKey(
        "catalog.Event",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    party_slot = models.ForeignKey(
        "catalog.PartySlot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    party_package = models.ForeignKey(
        "catalog.PartyPackage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        max_length=10, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    starts_on = models.DateField(_("first day"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        # Seat counts look up a class's (or camp's) active enrollments.
        indexes = [
            models.Index(fields=["klass", "status"]),
            models.Index(fields=["event", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=ONE_OFFERING, name="enrollment_one_offering"
            )
        ]

    def __str__(self):
        return f"{self.student} – {self.offering}"

    @property
    def offering(self):
        return self.klass or self.event or self.party_slot

    def clean(self):
        if (
            sum(
                x is not None
                for x in (self.klass_id, self.event_id, self.party_slot_id)
            )
            != 1
        ):
            raise ValidationError(_("An enrollment is for one class, camp or party."))
