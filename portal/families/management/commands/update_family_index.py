"""Rebuild the search index, as Wagtail's update_index does, with the tenant
scopes disabled: the index holds every organization's families and students
(each search is limited to the staff member's own organization afterwards).

Run it once on a database whose families were there before they were
indexed; after that the family services keep the index up to date.
"""

from django.core.management import BaseCommand, call_command
from django_scopes import scopes_disabled


class Command(BaseCommand):
    help = "Rebuild the search index of every organization's families and pages."

    def handle(self, *args, **options):
        with scopes_disabled():
            call_command("update_index", verbosity=options["verbosity"])
