"""Compare every class's stored taken-seat count with its active enrollments.

manage.py check_seat_counts          # report; exit status 1 on a mismatch
manage.py check_seat_counts --fix    # also set the stored counts right
"""

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from portal.catalog.models import Class
from portal.enrollments.selectors import seats_taken_mismatches
from portal.tenancy.models import Organization


class Command(BaseCommand):
    help = "Check Class.seats_taken against the active enrollments."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Store the real counts.")

    def handle(self, *args, fix=False, **options):
        wrong = 0
        for organization in Organization.objects.order_by("pk"):
            with scope(organization=organization.pk):
                for klass in seats_taken_mismatches(organization=organization):
                    wrong += 1
                    self.stdout.write(
                        f"{organization.slug}: class {klass.pk} {klass.name}: "
                        f"stored {klass.seats_taken}, real {klass.real_taken}"
                    )
                    if fix:
                        Class.objects.filter(pk=klass.pk).update(
                            seats_taken=klass.real_taken
                        )
        if wrong and not fix:
            raise CommandError(f"{wrong} class(es) with a wrong taken-seat count.")
        self.stdout.write(
            f"Seat counts: {wrong} fixed." if wrong else "Seat counts: all correct."
        )
