"""Keeps cached catalog lookups honest: any change to a program, level or
instructor raises its organization's lookups_version, which the cache keys
of the booking filter options include. No business rule lives here."""

from django.db.models import F


def lookups_changed(sender, instance, **kwargs):
    from portal.tenancy.models import Organization

    Organization.objects.filter(pk=instance.organization_id).update(
        lookups_version=F("lookups_version") + 1
    )
