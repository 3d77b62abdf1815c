"""Run Portico's background worker: queued tasks and scheduled publishing."""

import logging
import time

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django_scopes import scopes_disabled
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker, valid_interval

from portal.cart.tasks import settle_pending_payments
from portal.worker.scheduling import PUBLISH_EVERY_SECONDS, publish_scheduled

logger = logging.getLogger("portal.worker")


class ScopelessWorker(Worker):
    """Runs each task outside any tenant scope, as a management command runs.

    Wagtail's own tasks (reference index, search index) load rows by primary
    key without a scope; Portico's tasks take ids and open their
    organization's scope themselves. With the Immediate backend both run
    inside the scope of the request that enqueued them.
    """

    def run_task(self, db_task_result):
        with scopes_disabled():
            return super().run_task(db_task_result)


class Command(BaseCommand):
    help = (
        "Run the tasks queued in the database (e-mails, batches) and, once a "
        "minute, publish and unpublish scheduled pages. Ctrl-C stops it after "
        "the task at hand."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="Publish scheduled pages and run the tasks that are due, then exit "
            "(for cron, or to check a deployment).",
        )
        parser.add_argument(
            "--interval",
            type=valid_interval,
            default=1.0,
            help="Seconds to wait for new tasks when the queue is empty "
            "(default: %(default)s).",
        )
        parser.add_argument(
            "--no-publish",
            action="store_false",
            dest="publish",
            help="Run tasks only: for extra workers when one already publishes.",
        )
        parser.add_argument(
            "--backend",
            default="default",
            dest="backend_name",
            help="The django-tasks backend whose queued tasks to run; when it "
            "is not a database backend (tasks run where they are enqueued), the "
            "worker only publishes.",
        )

    def handle(self, *, once, interval, publish, backend_name, verbosity, **options):
        if verbosity > 0 and not logger.handlers:
            logger.addHandler(logging.StreamHandler(self.stdout))
            logger.setLevel(logging.INFO)
        # Tasks wait in the database only with the database backend; with the
        # Immediate one (tests) they have already run, and only publishing is
        # left to do.
        run_tasks = isinstance(task_backends[backend_name], DatabaseBackend)
        worker = ScopelessWorker(
            queue_names=["*"],
            excluded_queue_names=[],
            interval=interval,
            batch=True,  # each run() returns once the queue is empty
            backend_name=backend_name,
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
        )
        if not once:
            # Ctrl-C or SIGTERM: exit at once when idle, else after the task.
            worker.configure_signals()
            logger.info(
                "Portico worker started: %s.",
                " and ".join(
                    ([f"tasks of the '{backend_name}' backend"] if run_tasks else [])
                    + (
                        ["scheduled publishing and payment settling every minute"]
                        if publish
                        else []
                    )
                )
                or "nothing to do",
            )
        next_publish = time.monotonic()
        while worker.running:
            if publish and time.monotonic() >= next_publish:
                self.publish(worker)
                next_publish = time.monotonic() + PUBLISH_EVERY_SECONDS
            if run_tasks:
                worker.run()
            if once:
                return
            if worker.running:
                time.sleep(interval)

    def publish(self, worker):
        # Marked as a task so that a Ctrl-C waits for it to finish.
        worker.running_task = True
        try:
            publish_scheduled()
        except Exception:
            # A failure is logged and retried next minute; the tasks go on.
            logger.exception("Scheduled publishing failed.")
        try:
            # Checkouts whose gateway answer was lost: ask the gateway by key.
            settle_pending_payments.call()
        except Exception:
            logger.exception("Settling pending payments failed.")
        finally:
            worker.running_task = False
