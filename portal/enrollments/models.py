"""Enrollments: a student's place in a class, camp or party.

An active enrollment takes a seat; a waitlist enrollment takes none and
waits in the order it was made. `days` holds the chosen camp days (ISO dates)
where a camp is sold by the day; empty means every day.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.catalog.models import ONE_OFFERING
from portal.tenancy.models import TenantModel


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    WAITLIST = "waitlist", _("Waitlist")
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
    days = models.JSONField(default=list, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
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
            ),
            # The same student never takes (or waits for) a class twice.
            models.UniqueConstraint(
                fields=["student", "klass"],
                condition=models.Q(
                    klass__isnull=False, status__in=["active", "waitlist"]
                ),
                name="enrollment_student_class_once",
            ),
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
