"""Registration rush: parents over HTTP against gunicorn and PostgreSQL.

Run: `make bench-rush` (or `uv run python bench/rush.py`). It needs the local
PostgreSQL (BENCH_PG, default postgres://postgres@127.0.0.1:5432) and
redis-server on the PATH.

1. Drops and recreates its own database (BENCH_DB, default portico_bench;
   never `portico` or a test database), migrates it and seeds one
   organization in active mode with the sandbox gateway, a few popular
   classes with few seats, many ordinary classes, and BENCH_PARENTS
   families, each with a student and a card saved through the sandbox's own
   token service and portal.billing.methods (no number is stored).
   Registration is not open yet.
2. Serves the portal with production settings (DEBUG off, static files from
   whitenoise after collectstatic, sessions and the log in throttle in a
   Redis of its own, task rows in the database) by gunicorn with 2 workers,
   as behind a TLS proxy (X-Forwarded-Proto).
3. Every parent logs in (once, right password, from 127.0.0.1). Then
   registration opens and the clock starts: BENCH_CONCURRENCY parents at a
   time each GET the class page, GET its Enroll page (the form), POST it
   (add to cart), GET checkout and POST Pay and Enroll with the saved card
   and the page's fresh idempotency key. BENCH_POPULAR_SHARE of them aim at
   the popular classes first; a parent who finds a class full (no Enroll
   button, or the add refused) tries an ordinary class instead, up to four
   tries.
4. Prints confirmed bookings per minute, p50/p95 of add to cart and
   checkout, and the oversold count checked in SQL (active enrollments above
   capacity, and Class.seats_taken against the real count), ending with
   `rush: <N> bookings/min, p95 checkout <X> ms, oversold <K>`.

Exit status 1 when the target (600 bookings/min, p95 checkout under 500 ms,
0 oversold) is missed or a request failed unexpectedly.
"""

import html
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB = os.environ.get("BENCH_DB", "portico_bench")
PARENTS = int(os.environ.get("BENCH_PARENTS", "400"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "12"))
POPULAR = int(os.environ.get("BENCH_POPULAR", "4"))
POPULAR_CAPACITY = 6
ORDINARY = int(os.environ.get("BENCH_ORDINARY", "150"))
ORDINARY_CAPACITY = 10
POPULAR_SHARE = float(os.environ.get("BENCH_POPULAR_SHARE", "0.5"))
WORKERS = 2
SLUG = "rush"
PASSWORD = "rush-hour-password-7"
TRIES = 4
TARGET_PER_MINUTE, TARGET_P95_MS = 600, 500

if DB in ("portico", "postgres", "template0", "template1") or DB.startswith("test"):
    sys.exit(f"rush: refusing to drop the database {DB!r}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = int(os.environ.get("BENCH_PORT") or free_port())
REDIS_PORT = free_port()
ENV = {
    "DJANGO_SETTINGS_MODULE": "cms.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DATABASE_URL": f"{PG}/{DB}",
    "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
    "WEB_CONCURRENCY": str(WORKERS),
    # Confirmation e-mails are task rows that a worker would send later.
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}
os.environ.update(ENV)


def log(text):
    print(text, file=sys.stderr, flush=True)


# The database --------------------------------------------------------------


def recreate_database():
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')


def seed():
    """The organization, its classes and the families; returns the class ids
    (popular, ordinary)."""
    import datetime

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from portal.billing.gateways.sandbox import issue_token
    from portal.billing.methods import method_save
    from portal.billing.models import GatewayAccount
    from portal.catalog.models import Program
    from portal.catalog.services import class_create, record_create
    from portal.families.services import family_register, student_create
    from portal.tenancy.services import location_create, organization_create

    today = timezone.localdate()
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with scopes_disabled():
        org = organization_create(name="Rush Swim", slug=SLUG, mode="active")
        location = location_create(
            organization=org, name="Main pool", time_zone="America/Chicago"
        )
        GatewayAccount.objects.create(organization=org, provider="sandbox")
        program = record_create(Program, organization=org, name="Swim")

        def make(i, name, capacity, waitlist):
            return class_create(
                organization=org,
                name=name,
                program=program,
                location=location,
                season_start=today + datetime.timedelta(days=14),
                season_end=today + datetime.timedelta(days=120),
                capacity=capacity,
                min_age_years=3,
                max_age_years=12,
                tuition="85.00",
                registration_fee="25.00",
                waitlist_allowed=waitlist,
                registration_opens_at=tomorrow,
                schedules=[
                    {
                        "weekday": i % 7,
                        "start_time": datetime.time(9 + i % 9),
                        "end_time": datetime.time(9 + i % 9, 45),
                    }
                ],
            )

        popular = [
            make(i, f"Popular {i + 1}", POPULAR_CAPACITY, False).pk
            for i in range(POPULAR)
        ]
        ordinary = [
            make(i, f"Class {i + 1:03d}", ORDINARY_CAPACITY, True).pk
            for i in range(ORDINARY)
        ]
        # One hash for every parent (the same password), made once.
        password_hash = make_password(PASSWORD)
        for n in range(PARENTS):
            email = f"parent{n}@rush.example"
            guardian = family_register(
                organization=org,
                email=email,
                password_hash=password_hash,
                first_name="Parent",
                last_name=f"Rush{n}",
                relationship="mother",
                emails=[{"email": email, "email_type": "home", "subscribed": False}],
                phones=[],
                address={},
                send_welcome=False,
            )
            student_create(
                family=guardian.family,
                first_name=f"Kid{n}",
                last_name=f"Rush{n}",
                date_of_birth=datetime.date(2018, 1 + n % 12, 1 + n % 28),
            )
            # What the sandbox's entry page does with a typed test card: a
            # one-time token; method_save turns it into a stored method.
            token = issue_token(
                organization=org,
                outcome="approve",
                kind="card",
                brand="Visa",
                last4="4242",
                exp_month=12,
                exp_year=today.year + 3,
            )
            method_save(guardian=guardian, token=token.token, make_default=True)
            if n and n % 200 == 0:
                log(f"  {n} families")
    return popular, ordinary


def open_registration():
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from portal.catalog.models import Class

    with scopes_disabled():
        Class.objects.filter(organization__slug=SLUG).update(
            registration_opens_at=timezone.now()
        )


def audit():
    """What the database says after the rush."""
    from django.db import connection

    from portal.billing.models import Payment
    from portal.catalog.models import Class
    from portal.enrollments.models import Enrollment

    classes, enrollments = Class._meta.db_table, Enrollment._meta.db_table
    payments = Payment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT c.id, c.capacity, c.seats_taken, COUNT(e.id)
            FROM {classes} c
            LEFT JOIN {enrollments} e ON e.klass_id = c.id AND e.status = 'active'
            GROUP BY c.id, c.capacity, c.seats_taken
            """
        )
        rows = cursor.fetchall()
        cursor.execute(f"SELECT status, COUNT(*) FROM {payments} GROUP BY status")
        statuses = dict(cursor.fetchall())
    oversold = [row for row in rows if row[3] > row[1]]
    drift = [row for row in rows if row[2] != row[3]]
    return {
        "oversold": oversold,
        "drift": drift,
        "enrolled": sum(row[3] for row in rows),
        "payments": statuses,
    }


# The parents -------------------------------------------------------------------


class Browser:
    """One parent's browser: cookies, a connection, CSRF from the pages.

    Requests come as through a TLS proxy (X-Forwarded-Proto: https), so the
    production settings' secure cookies and CSRF origin checks apply."""

    def __init__(self):
        self.cookies = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        self.origin = f"https://127.0.0.1:{PORT}"

    def request(self, method, path, data=None):
        headers = {
            "Host": f"127.0.0.1:{PORT}",
            "X-Forwarded-Proto": "https",
            "User-Agent": "portico-rush",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError):
                # gunicorn's sync workers close after each response.
                self.conn.close()
                if attempt:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            pair = header.split(";", 1)[0]
            name, _eq, value = pair.partition("=")
            if "expires=Thu, 01 Jan 1970" in header or value in ('""', ""):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, response.getheader("Location", ""), text

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data):
        return self.request("POST", path, data)


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def field(name, text):
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', text)
    return html.unescape(match.group(1)) if match else None


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = {"class": [], "enroll": [], "add": [], "checkout_page": []}
        self.times["checkout"] = []
        self.counts = Counter()
        self.samples = {}

    def time(self, name, started):
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.times[name].append(elapsed)

    def count(self, name, sample=None):
        with self.lock:
            self.counts[name] += 1
            if sample is not None and name not in self.samples:
                self.samples[name] = sample[:2000]


def login(n, stats):
    browser = Browser()
    path = f"/portal/{SLUG}/login/"
    status, _loc, text = browser.get(path)
    token = CSRF.search(text)
    status, location, text = browser.post(
        path,
        {
            "csrfmiddlewaretoken": token.group(1) if token else "",
            "email": f"parent{n}@rush.example",
            "password": PASSWORD,
            "next": "",
        },
    )
    if status != 302:
        stats.count("login_failed", f"{status} {text}")
        return None
    return browser


def rush(browser, n, popular, ordinary, stats):
    rng = random.Random(n)
    base = f"/portal/{SLUG}"
    aim_popular = rng.random() < POPULAR_SHARE
    klass = rng.choice(popular) if aim_popular else rng.choice(ordinary)
    held = False
    for _try in range(TRIES):
        started = time.perf_counter()
        status, _loc, text = browser.get(f"{base}/booking/classes/{klass}/")
        stats.time("class", started)
        if status != 200:
            stats.count(f"class_page_{status}", text)
            return
        add_path = f"{base}/cart/add/?class={klass}"
        if html.escape(add_path) not in text and add_path not in text:
            stats.count("full_on_class_page")
            klass = rng.choice(ordinary)
            continue
        started = time.perf_counter()
        status, _loc, text = browser.get(add_path)
        stats.time("enroll", started)
        student = re.search(r'type="radio" name="student" value="(\d+)"', text)
        token = CSRF.search(text)
        if status != 200:
            stats.count(f"enroll_page_{status}", text)
            return
        if not student or not token:
            # Filled between the two pages: the Enroll page says so.
            stats.count("full_on_enroll_page")
            klass = rng.choice(ordinary)
            continue
        started = time.perf_counter()
        status, location, text = browser.post(
            f"{base}/cart/add/",
            {
                "csrfmiddlewaretoken": token.group(1),
                "class": str(klass),
                "student": student.group(1),
            },
        )
        stats.time("add", started)
        if status == 302 and location.endswith("/cart/"):
            held = True
            stats.count("popular_held" if klass in popular else "ordinary_held")
            break
        stats.count("add_refused" if status == 400 else f"add_{status}", text)
        klass = rng.choice(ordinary)
    if not held:
        stats.count("gave_up")
        return
    started = time.perf_counter()
    status, _loc, text = browser.get(f"{base}/checkout/")
    stats.time("checkout_page", started)
    key = field("idempotency_key", text)
    method = re.search(r'type="radio" name="method" value="(\d+)"', text)
    token = CSRF.search(text)
    if status != 200 or not key or not method or not token:
        stats.count("checkout_page_unusable", f"{status} {text}")
        return
    data = {
        "csrfmiddlewaretoken": token.group(1),
        "idempotency_key": key,
        "method": method.group(1),
        "gateway_token": "",
    }
    for item_id, price in re.findall(r'name="price_(\d+)" value="([^"]*)"', text):
        data[f"price_{item_id}"] = price
    started = time.perf_counter()
    status, location, text = browser.post(f"{base}/checkout/", data)
    stats.time("checkout", started)
    if status == 302 and f"/checkout/done/{key}/" in location:
        stats.count("confirmed")
    else:
        stats.count(f"checkout_{status}", text)


def problem(text):
    """The status and the error messages of a page, or its start."""
    errors = re.findall(
        r'class="(?:errorlist|error|alert[^"]*|messages?[^"]*)"[^>]*>(.*?)</',
        text,
        re.S,
    )
    found = " | ".join(" ".join(e.split()) for e in errors if e.strip())
    return f"{text[:3]} {found}" if found else text[:600]


def run_parents(work, parents):
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        return list(pool.map(work, parents))


# Servers ---------------------------------------------------------------------------


def start(args, **kwargs):
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env={**os.environ, **ENV},
        start_new_session=True,
        **kwargs,
    )


def stop(process):
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def wait_until_serving(process):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("rush: gunicorn exited")
        try:
            status, _loc, _text = Browser().get(f"/portal/{SLUG}/booking/")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("rush: gunicorn did not answer")


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def main():
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        sys.exit("rush: redis-server is needed (sessions and the log in throttle)")
    redis = gunicorn = None
    try:
        redis = start(
            [
                redis_server,
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        log(f"rush: database {DB}, {PARENTS} parents, {CONCURRENCY} at a time")
        recreate_database()

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        started = time.perf_counter()
        popular, ordinary = seed()
        log(f"  seeded in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        connection.close()

        gunicorn = start(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "cms.wsgi:application",
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{PORT}",
                "--no-control-socket",
                "--log-level",
                "warning",
            ]
        )
        wait_until_serving(gunicorn)

        stats = Stats()
        started = time.perf_counter()
        browsers = run_parents(lambda n: login(n, stats), range(PARENTS))
        log(f"  {PARENTS} parents logged in in {time.perf_counter() - started:.0f} s")
        parents = [(n, b) for n, b in enumerate(browsers) if b is not None]

        open_registration()
        started = time.perf_counter()
        client_cpu = time.process_time()
        load_before = os.getloadavg()[0]
        run_parents(
            lambda pair: rush(pair[1], pair[0], popular, ordinary, stats), parents
        )
        elapsed = time.perf_counter() - started
        client_cpu = time.process_time() - client_cpu
        load_after = os.getloadavg()[0]
    finally:
        stop(gunicorn)
        stop(redis)

    found = audit()
    confirmed = stats.counts["confirmed"]
    per_minute = confirmed / elapsed * 60
    checkout_p95 = percentile(stats.times["checkout"], 0.95)
    oversold = len(found["oversold"])

    unexpected = {
        name: sample
        for name, sample in stats.samples.items()
        if name not in ("add_refused",)
    }
    for name, sample in unexpected.items():
        log(f"--- first {name} response ---\n{problem(sample)}\n")
    print(
        f"{PARENTS} parents, {CONCURRENCY} at a time, gunicorn {WORKERS} workers, "
        f"{POPULAR} popular classes of {POPULAR_CAPACITY} seats, "
        f"{ORDINARY} of {ORDINARY_CAPACITY}"
    )
    print(
        f"rush took {elapsed:.1f} s; {confirmed} bookings confirmed; "
        f"the simulated parents used {client_cpu:.1f} s of CPU; load average "
        f"{load_before:.2f} when it began, {load_after:.2f} at its end"
    )
    print(f"{'request':24} {'count':>6} {'p50 ms':>8} {'p95 ms':>8}")
    for name, label in [
        ("class", "GET class page"),
        ("enroll", "GET Enroll page"),
        ("add", "POST add to cart"),
        ("checkout_page", "GET checkout"),
        ("checkout", "POST Pay and Enroll"),
    ]:
        values = stats.times[name]
        print(
            f"{label:24} {len(values):6d} {percentile(values, 0.5):8.0f} "
            f"{percentile(values, 0.95):8.0f}"
        )
    counts = ", ".join(f"{k} {v}" for k, v in sorted(stats.counts.items()))
    print(f"outcomes: {counts}")
    print(
        f"database: {found['enrolled']} active enrollments, payments "
        + ", ".join(f"{k} {v}" for k, v in sorted(found["payments"].items()))
        + f"; classes over capacity {oversold}, "
        f"seats_taken differing from the real count {len(found['drift'])}"
    )
    print(
        f"rush: {per_minute:.0f} bookings/min, p95 checkout {checkout_p95:.0f} ms, "
        f"oversold {oversold}"
    )
    ok = (
        per_minute >= TARGET_PER_MINUTE
        and checkout_p95 < TARGET_P95_MS
        and oversold == 0
        and not found["drift"]
        and not unexpected
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
