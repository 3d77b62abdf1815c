"""Load the demo organization "Splash Academy" (slug: demo). Safe to run again."""

from django.core.management.base import BaseCommand

from portal.demo.logins import DEMO_SLUG
from portal.demo.seed import seed_all


class Command(BaseCommand):
    help = "Create or complete the demo organization 'Splash Academy' (slug demo)."

    def handle(self, *args, **options):
        seed_all()
        self.stdout.write(
            self.style.SUCCESS(f"Demo organization ready at /portal/{DEMO_SLUG}/")
        )
