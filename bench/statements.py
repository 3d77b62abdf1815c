"""Statements: one statement laid out warm, and a batch for many families.

Run: `make bench-statements` (or `uv run python bench/statements.py`). It
builds a fresh SQLite database in a temporary folder (or uses DATABASE_URL),
seeds one organization with BENCH_FAMILIES families (default 1,000), each
with a primary guardian, a mailing address and three to five charges at the
location (some partly paid), then:

1. issues one family's statement and lays it out as PDF BENCH_ROUNDS times
   after three warm-up runs, and reports the median (target: 150 ms);
2. starts a statement batch for every family, as the admin does, and times
   it until the joined PDF is saved (target for 1,000 families: 150 s);
   the process's resident memory is sampled every tenth of the way. The
   batch lays out BENCH_CHUNK statements (default: batch.CHUNK_SIZE) before
   writing them to a chunk file, so memory should stay flat.

It ends with one line:
`statements: 1-page <X> ms, batch of <N> in <Y> s, peak RSS <Z> MB`.
"""

import datetime
import os
import resource
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
WORK = Path(tempfile.mkdtemp(prefix="portico-bench-statements-"))
if not os.environ.get("DATABASE_URL"):
    os.environ["SQLITE_PATH"] = str(WORK / "bench.sqlite3")
os.environ["PRIVATE_MEDIA_ROOT"] = str(WORK / "private")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402

FAMILIES = int(os.environ.get("BENCH_FAMILIES", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))
TARGET_PAGE_MS = 150
TARGET_BATCH_S = 150 * FAMILIES / 1000


def rss_mb() -> float:
    """The resident memory of this process now, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(count):
    """One organization, its location, `count` families that owe there."""
    from portal.billing.services import charge_post, credit_post
    from portal.families.models import ContactAddress, Family, Guardian
    from portal.tenancy.services import location_create, organization_create

    with scopes_disabled():
        org = organization_create(name="Bench Swim", slug="bench", mode="active")
        location = location_create(
            organization=org,
            name="Main pool",
            address_line1="10 Pool Road",
            city="Springfield",
            phone="555-0100",
        )
        families = Family.objects.bulk_create(
            Family(organization=org, name=f"Family {i:04d}") for i in range(count)
        )
        guardians = Guardian.objects.bulk_create(
            Guardian(
                organization=org,
                family=family,
                first_name="Robin",
                last_name=family.name,
                relationship="mother",
                is_primary=True,
            )
            for family in families
        )
        ContactAddress.objects.bulk_create(
            ContactAddress(
                organization=org,
                family=guardian.family,
                guardian=guardian,
                line1=f"{i + 1} Main Street",
                city="Springfield",
                region="IL",
                postal_code="62701",
            )
            for i, guardian in enumerate(guardians)
        )
    now = timezone.now()
    with scope(organization=org.pk):
        for i, family in enumerate(families):
            for n in range(3 + i % 3):
                charge_post(
                    family=family,
                    amount=Decimal("40.00") + n * 5 + i % 7,
                    description=f"Tuition month {n + 1}",
                    idempotency_key=f"bench-{family.pk}-{n}",
                    location=location,
                    due_on=(now - datetime.timedelta(days=30 * n + i % 30)).date(),
                    now=now - datetime.timedelta(days=30 * n + i % 30 + 5),
                )
            if i % 4 == 0:
                credit_post(
                    family=family,
                    amount=Decimal("25.00"),
                    reason="Sibling discount",
                    idempotency_key=f"bench-credit-{family.pk}",
                    apply=True,
                    location=location,
                )
    return org, location, [family.pk for family in families]


def one_page(org, location, family_id):
    from portal.billing.statements import statement_issue, statement_pdf
    from portal.families.models import Family

    with scope(organization=org.pk):
        family = Family.objects.get(pk=family_id)
        statement = statement_issue(
            family=family,
            location=location,
            kind="statement",
            as_of=timezone.localdate(),
        )
        for _ in range(3):
            statement_pdf(statement)
        times = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            statement_pdf(statement)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def batch(org, location, family_ids):
    """A batch for every family, as the admin starts it (the test settings'
    Immediate backend runs the task at once, in this process)."""
    from portal.billing import batch as batch_module
    from portal.billing.models import StatementBatch

    if os.environ.get("BENCH_CHUNK"):
        batch_module.CHUNK_SIZE = int(os.environ["BENCH_CHUNK"])
    samples = []
    laid_out = [0]
    original = batch_module.statement_document
    step = max(1, len(family_ids) // 10)

    def document(statement):
        result = original(statement)
        laid_out[0] += 1
        if laid_out[0] % step == 0:
            samples.append(rss_mb())
        return result

    batch_module.statement_document = document
    try:
        with scope(organization=org.pk):
            start = time.perf_counter()
            created = batch_module.statement_batch_create(
                location=location,
                as_of=timezone.localdate(),
                family_ids=family_ids,
            )
            seconds = time.perf_counter() - start
    finally:
        batch_module.statement_document = original
    with scopes_disabled():
        created = StatementBatch.objects.get(pk=created.pk)
    return created, seconds, samples


def main():
    from pypdf import PdfReader

    call_command("migrate", verbosity=0)
    print(f"seeding {FAMILIES} families ({connection.vendor}) ...", flush=True)
    org, location, family_ids = seed(FAMILIES)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    page_ms = one_page(org, location, family_ids[0])
    print(f"one-page statement, warm: median {page_ms:.1f} ms over {ROUNDS} runs")
    before = rss_mb()
    result, seconds, samples = batch(org, location, family_ids)
    pages = len(PdfReader(result.pdf.path).pages)
    size = result.pdf.size / 1024 / 1024
    from portal.billing.batch import CHUNK_SIZE

    print(
        f"batch: {result.get_status_display()}, {result.done} of {result.total} "
        f"families, {len(result.failures)} failed, {pages} pages, {size:.1f} MB PDF "
        f"(chunks of {CHUNK_SIZE})"
    )
    print(
        "RSS (MB) before the batch {:.0f}; every tenth of the way: {}".format(
            before, " ".join(f"{mb:.0f}" for mb in samples)
        )
    )
    print(
        f"statements: {FAMILIES} families in {seconds:.1f} s "
        f"({FAMILIES / seconds:.1f} per second)"
    )
    peak = peak_rss_mb()
    print(
        f"statements: 1-page {page_ms:.0f} ms, batch of {FAMILIES} in "
        f"{seconds:.0f} s, peak RSS {peak:.0f} MB"
    )
    ok = (
        result.status == "done"
        and not result.failures
        and page_ms <= TARGET_PAGE_MS
        and seconds <= TARGET_BATCH_S
    )
    return 0 if ok else 1


if __name__ == "__main__":
    settings.DEBUG = False
    sys.exit(main())
