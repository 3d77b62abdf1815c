"""Serve the demo: one command for the web server and the background worker.

`make demo` runs this. It migrates when a migration is pending, loads the demo
data when it is missing, serves the portal with Django's development server
(runserver, in a thread of this process, so Django starts once), prints the
logins once the portal answers, then starts the worker (`portico_worker`) as
a process beside it. Ctrl-C stops both.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portal.demo.logins import (
    DEMO_SLUG,
    PARENT_EMAIL,
    PARENT_PASSWORD,
    ROLE_LOGINS,
    STAFF_EMAIL,
    STAFF_PASSWORD,
)

STOP_GRACE_SECONDS = 10


class Command(BaseCommand):
    help = (
        "Serve the demo portal with its background worker at 127.0.0.1:PORT; "
        "Ctrl-C stops both."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT") or 8000),
            help="Port on 127.0.0.1 (default: $PORT, else 8000).",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=180.0,
            help="Seconds to wait for the web server to answer.",
        )

    def handle(self, *, port, timeout, **options):
        # The worker reads PORT for the links in e-mails sent without a request.
        os.environ["PORT"] = str(port)
        # Ctrl-C, SIGTERM or SIGHUP (a closed terminal) stop the demo, even when
        # it was started with SIGINT ignored (in the background of a script).
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _interrupt)
        worker = None
        try:
            self.migrate_if_needed()
            call_command("seed_demo", stdout=self.stdout)
            server = self.serve(port)
            self.wait_until_served(
                f"http://127.0.0.1:{port}/portal/{DEMO_SLUG}/", server, timeout
            )
            self.banner(port)
            worker = self.start_worker()
            while server.is_alive() and worker.poll() is None:
                time.sleep(0.5)
            raise CommandError("The demo's web server or worker stopped.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping the demo (web server and worker)...")
        finally:
            if worker is not None:
                self.stop(worker)

    def migrate_if_needed(self):
        """Migrate only when a migration is pending: `migrate` with nothing to
        do still takes seconds."""
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write("Migrating the demo database...")
            call_command("migrate", interactive=False, verbosity=0)

    def serve(self, port):
        # Checks ran when this command started. A thread ends with the process;
        # runserver itself exits the process when the port is taken.
        thread = threading.Thread(
            target=call_command,
            args=("runserver", f"127.0.0.1:{port}"),
            kwargs={"use_reloader": False, "skip_checks": True},
            name="demo-web",
            daemon=True,
        )
        thread.start()
        return thread

    def wait_until_served(self, url, server, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not server.is_alive():
                raise CommandError("The web server could not start.")
            try:
                with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise CommandError(f"{url} did not answer within {timeout:.0f} seconds.")

    def banner(self, port):
        base = f"http://127.0.0.1:{port}"
        lines = [
            "",
            f"  Portico demo: {base}/portal/{DEMO_SLUG}/",
            f"  Parent login: {PARENT_EMAIL} / {PARENT_PASSWORD}",
            f"  Staff admin:  {base}/admin/",
            f"    manager     {STAFF_EMAIL} / {STAFF_PASSWORD}",
        ]
        for email, _name, role in ROLE_LOGINS:
            label = role.replace("_", " ")
            lines.append(f"    {label:<11} {email} / {STAFF_PASSWORD}")
        lines.append("  Press Ctrl-C to stop the web server and the worker.")
        self.stdout.write("\n".join(lines) + "\n")
        self.stdout.flush()

    def start_worker(self):
        # A session of its own: the stop reaches the worker only through
        # stop(), once, so that it finishes the task at hand.
        return subprocess.Popen(
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "portico_worker"],
            start_new_session=True,
        )

    def stop(self, worker):
        if worker.poll() is not None:
            return
        _signal_group(worker, signal.SIGTERM)
        try:
            worker.wait(timeout=STOP_GRACE_SECONDS)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            _signal_group(worker, signal.SIGKILL)
            worker.wait()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _signal_group(child, signum):
    try:
        os.killpg(child.pid, signum)
    except ProcessLookupError:
        pass
