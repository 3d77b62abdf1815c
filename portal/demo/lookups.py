"""The demo's editable lookups (snippets): referral sources, custom fields."""

from portal.tenancy.models import Organization
from snippets.models import CustomField, ReferralSource

REFERRAL_SOURCES = [
    "A friend or family member",
    "Search engine",
    "Flyer",
    "Social media",
]
# (label, applies to, field type)
CUSTOM_FIELDS = [
    ("School attended", CustomField.AppliesTo.STUDENT, CustomField.FieldType.TEXT),
    (
        "Comfortable in deep water?",
        CustomField.AppliesTo.STUDENT,
        CustomField.FieldType.YES_NO,
    ),
]


def seed(organization: Organization) -> None:
    for i, name in enumerate(REFERRAL_SOURCES):
        ReferralSource.objects.get_or_create(
            organization=organization, name=name, defaults={"sort_order": i}
        )
    for order, (label, applies_to, field_type) in enumerate(CUSTOM_FIELDS, start=1):
        CustomField.objects.get_or_create(
            organization=organization,
            label=label,
            applies_to=applies_to,
            defaults={"field_type": field_type, "sort_order": order},
        )
