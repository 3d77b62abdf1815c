"""Booking pages against a plain Wagtail page, with 2,000 classes.

Run: `make bench` (or `uv run python bench/booking.py`). It builds a fresh
SQLite database in a temporary folder (or uses DATABASE_URL), seeds one
organization with 2,000 classes and their enrollments, then serves each page
through Django's test client: a warm-up, then REQUESTS rounds that request
every page once. It prints the median time and the query count of each page
and the ratio to the plain page.
"""

import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
if not os.environ.get("DATABASE_URL"):
    os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

CLASSES = int(os.environ.get("BENCH_CLASSES", "2000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))


def enroll(org, classes):
    """A school's worth of enrollments: 0 to 8 of each class's 8 seats taken
    (about 4 on average; one class in nine is full), by 2,000 students."""
    from portal.catalog.models import Class
    from portal.enrollments.models import Enrollment
    from portal.families.models import Family, Student

    families = Family.objects.bulk_create(
        Family(organization=org, name=f"Family {i}") for i in range(500)
    )
    students = Student.objects.bulk_create(
        Student(
            organization=org,
            family=families[i % len(families)],
            first_name=f"Student {i}",
            last_name="Bench",
            date_of_birth=datetime.date(2015, 1, 1) + datetime.timedelta(days=i),
        )
        for i in range(2000)
    )
    Enrollment.objects.bulk_create(
        Enrollment(
            organization=org, student=students[(i * 8 + n) % len(students)], klass=k
        )
        for i, k in enumerate(classes)
        for n in range((i * 5) % 9)
    )
    # bulk_create skips the enrollment services, which keep Class.seats_taken;
    # the count is stored here as they would have stored it.
    for i, k in enumerate(classes):
        k.seats_taken = (i * 5) % 9
    Class.objects.bulk_update(classes, ["seats_taken"], batch_size=500)


def seed():
    from pages.models import PolicyIndexPage, PolicyPage, PortalHomePage
    from portal.catalog.models import Class, ClassSchedule, Program
    from portal.tenancy.services import location_create, organization_create

    with scopes_disabled():
        org = organization_create(name="Bench Swim", slug="bench", mode="active")
        location = location_create(organization=org, name="Main pool")
        programs = [
            Program.objects.create(organization=org, name=f"Program {i}")
            for i in range(3)
        ]
        classes = Class.objects.bulk_create(
            Class(
                organization=org,
                name=f"Class {i:04d}",
                program=programs[i % 3],
                location=location,
                season_start=datetime.date.today() - datetime.timedelta(days=30),
                season_end=datetime.date.today() + datetime.timedelta(days=120),
                capacity=8,
                min_age_years=i % 10,
                max_age_years=i % 10 + 4,
                # bulk_create skips save(), which keeps the first meeting.
                first_weekday=i % 7,
                first_start=datetime.time(9 + i % 10),
            )
            for i in range(CLASSES)
        )
        ClassSchedule.objects.bulk_create(
            ClassSchedule(
                klass=k,
                weekday=i % 7,
                start_time=datetime.time(9 + i % 10),
                end_time=datetime.time(10 + i % 10),
            )
            for i, k in enumerate(classes)
        )
        enroll(org, classes)
        home = PortalHomePage.objects.get(organization=org)
        index = PolicyIndexPage.objects.child_of(home).get()
        policy = PolicyPage(title="Pool rules", body="<p>Walk, do not run.</p>")
        index.add_child(instance=policy)
    return classes[len(classes) // 2]


def measure(client, pages):
    """Median time and query count per page. Requests go round-robin over
    the pages, so a slow moment of the machine falls on every page alike and
    the ratios stay comparable."""
    for _name, url in pages:
        for _ in range(3):
            assert client.get(url).status_code == 200, url
    timings = {url: [] for _name, url in pages}
    for _ in range(REQUESTS):
        for _name, url in pages:
            start = time.perf_counter()
            client.get(url)
            timings[url].append(time.perf_counter() - start)
    results = []
    for name, url in pages:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        results.append((name, statistics.median(timings[url]) * 1000, len(queries)))
    return results


def main():
    call_command("migrate", verbosity=0)
    middle = seed()
    if connection.vendor == "postgresql":
        # What autovacuum does to a live database soon after a bulk load:
        # fresh statistics and a visibility map for index-only scans.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    client = Client()
    pages = [
        ("plain Wagtail page", "/portal/bench/policies/pool-rules/"),
        ("booking/", "/portal/bench/booking/"),
        ("booking/classes/", "/portal/bench/booking/classes/"),
        (
            "booking/classes/?filters",
            "/portal/bench/booking/classes/?age=6&openings=on",
        ),
        ("class detail", f"/portal/bench/booking/classes/{middle.pk}/"),
        (
            "booking/find/ (a child)",
            "/portal/bench/booking/find/?date_of_birth=2019-03-10&gender=female",
        ),
    ]
    results = measure(client, pages)
    base = results[0][1]
    vendor = connection.vendor
    print(f"{CLASSES} classes, {REQUESTS} requests per page, {vendor}")
    print(f"{'page':28} {'median ms':>10} {'queries':>8} {'x plain':>8}")
    worst = 0
    for name, ms, count in results:
        ratio = ms / base
        if name != "plain Wagtail page":
            worst = max(worst, ratio)
        print(f"{name:28} {ms:10.1f} {count:8d} {ratio:8.2f}")
    print(f"worst ratio {worst:.2f} (target 1.50)")
    return 0 if worst <= 1.5 else 1


if __name__ == "__main__":
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["*"]):
        sys.exit(main())
