"""Reads for identity."""

from django_scopes import scopes_disabled


def is_staff_login(user) -> bool:
    """May this login use the staff admin? Superusers, and users who work for
    at least one organization (a StaffMembership); never a parent."""
    from portal.tenancy.models import StaffMembership

    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    with scopes_disabled():
        return StaffMembership.objects.filter(user=user).exists()
