"""The aging report with 20,000 families (issue target: under 2 s).

Run: `make bench-aging` (or `uv run python bench/aging.py`). It builds a
fresh SQLite database in a temporary folder (or uses DATABASE_URL), seeds
one organization with BENCH_AGING_FAMILIES families (default 20,000), each
with three charges of different ages (one a quarter paid by a credit, every
fourth family paid up), then times `aging_by_family` — the admin report's
whole read — five times after a warm-up and prints the median. Exits 1 when
it is over 2 s.
"""

import datetime
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
if not os.environ.get("DATABASE_URL"):
    os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "aging.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

FAMILIES = int(os.environ.get("BENCH_AGING_FAMILIES", "20000"))
TARGET_S = 2.0


def seed():
    from portal.billing.models import Allocation, LedgerEntry
    from portal.families.models import Family
    from portal.tenancy.services import location_create, organization_create

    now = timezone.now()
    with scopes_disabled():
        org = organization_create(name="Aging Swim", slug="aging", mode="active")
        location = location_create(organization=org, name="Main pool")
        families = Family.objects.bulk_create(
            (Family(organization=org, name=f"Family {i:05d}") for i in range(FAMILIES)),
            batch_size=2000,
        )
        entries = []
        for family in families:
            for n, days in enumerate((5, 45, 100)):
                entries.append(
                    LedgerEntry(
                        organization=org,
                        family=family,
                        location=location,
                        kind="charge",
                        amount=Decimal("80.00"),
                        description="Tuition",
                        posted_at=now - datetime.timedelta(days=days),
                        due_on=(now - datetime.timedelta(days=days - 5)).date(),
                        idempotency_key=f"c-{family.pk}-{n}",
                    )
                )
        charges = LedgerEntry.objects.bulk_create(entries, batch_size=5000)
        credits = LedgerEntry.objects.bulk_create(
            (
                LedgerEntry(
                    organization=org,
                    family=family,
                    location=location,
                    kind="credit",
                    amount=Decimal("240.00") if i % 4 == 0 else Decimal("20.00"),
                    description="Payment",
                    posted_at=now,
                    idempotency_key=f"p-{family.pk}",
                )
                for i, family in enumerate(families)
            ),
            batch_size=5000,
        )
        allocations = []
        for i, credit in enumerate(credits):
            mine = charges[i * 3 : i * 3 + 3]
            if i % 4 == 0:
                allocations += [
                    Allocation(
                        organization=org, source=credit, charge=c, amount=c.amount
                    )
                    for c in mine
                ]
            else:
                allocations.append(
                    Allocation(
                        organization=org,
                        source=credit,
                        charge=mine[0],
                        amount=Decimal("20.00"),
                    )
                )
        Allocation.objects.bulk_create(allocations, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return org, location


def main():
    from portal.billing.reports import aging_by_family

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    org, location = seed()
    print(f"seeded {FAMILIES} families in {time.perf_counter() - start:.0f} s")
    today = timezone.localdate()
    with scopes_disabled():
        rows = aging_by_family(organization=org, as_of=today)
        timings = []
        for _ in range(5):
            start = time.perf_counter()
            rows = aging_by_family(organization=org, as_of=today)
            timings.append(time.perf_counter() - start)
    median = statistics.median(timings)
    print(f"{len(rows)} families owe; buckets of the first: {rows[0].amounts}")
    print(
        f"aging: {FAMILIES} families in {median:.2f} s "
        f"({connection.vendor}; target {TARGET_S:.0f} s)"
    )
    return 0 if median <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
