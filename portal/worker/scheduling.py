"""Wagtail's scheduled publishing, run by the worker once a minute."""

import io

from django.core.management import call_command
from django_scopes import scopes_disabled

PUBLISH_EVERY_SECONDS = 60


def publish_scheduled() -> None:
    """Publish every revision whose go-live time has passed and unpublish every
    page or snippet whose expiry time has passed (Wagtail's own command).

    Pages of every organization are handled at once, so no tenant scope
    applies; hooks that run on publish may read tenant rows.
    """
    with scopes_disabled():
        call_command("publish_scheduled", stdout=io.StringIO())
