"""Keeps cached catalog reads honest: any change to a class, program, level
or instructor raises its organization's catalog_version, which the cache
keys of those reads include. No business rule lives here."""

from django.db.models import F


def catalog_changed(sender, instance, **kwargs):
    from portal.tenancy.models import Organization

    Organization.objects.filter(pk=instance.organization_id).update(
        catalog_version=F("catalog_version") + 1
    )
