"""`manage.py portico_worker`: scheduled publishing and queued tasks.

`--once` runs exactly one tick of the worker's loop (publish what is due, run
the tasks that are ready), so each test proves what the running worker does.
"""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_scopes import scopes_disabled
from django_tasks_db.models import DBTaskResult

from pages.models import NewsPage
from portal.catalog.models import Program
from portal.catalog.services import record_create
from tests.factories import make_news, make_organization

from .tasks import send_greeting

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    """Between tasks the worker closes connections that are not in autocommit
    mode, as a long-running process should; a test runs inside a transaction,
    so on PostgreSQL that would close the test's own connection. Django's test
    client keeps its connection open the same way around requests."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def tick():
    call_command("portico_worker", "--once", stdout=io.StringIO())


def test_a_page_whose_go_live_time_has_passed_is_published_by_one_tick(client):
    make_organization(slug="swim")
    page = make_news(make_organization(slug="other"), title="Unrelated", image=False)
    page = make_news(
        make_organization(slug="gym"), title="Open day", image=False, live=False
    )
    revision = page.save_revision()
    revision.approved_go_live_at = timezone.now() - datetime.timedelta(minutes=1)
    revision.save()
    url = "/portal/gym/news/open-day/"
    assert client.get(url).status_code == 404

    tick()

    page.refresh_from_db()
    assert page.live
    response = client.get(url)
    assert response.status_code == 200
    assert "Open day" in response.content.decode()


def test_a_page_scheduled_for_later_stays_a_draft(client):
    page = make_news(
        make_organization(slug="gym"), title="Later", image=False, live=False
    )
    revision = page.save_revision()
    revision.approved_go_live_at = timezone.now() + datetime.timedelta(hours=1)
    revision.save()

    tick()

    page.refresh_from_db()
    assert not page.live
    assert client.get("/portal/gym/news/later/").status_code == 404


def test_a_page_whose_expiry_has_passed_is_unpublished_by_one_tick(client):
    organization = make_organization(slug="gym")
    page = make_news(organization, title="Summer sale", image=False)
    page.save_revision().publish()
    url = "/portal/gym/news/summer-sale/"
    assert client.get(url).status_code == 200
    NewsPage.objects.filter(pk=page.pk).update(
        expire_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    tick()

    page.refresh_from_db()
    assert not page.live and page.expired
    assert client.get(url).status_code == 404
    assert "Summer sale" not in client.get("/portal/gym/news/").content.decode()


@override_settings(TASKS=DATABASE_TASKS)
def test_an_email_queued_in_the_database_is_sent_by_the_worker():
    result = send_greeting.enqueue(to="parent@example.com", name="D'Arcy")
    assert mail.outbox == []  # queued, not sent by the request
    assert DBTaskResult.objects.get(id=result.id).status == "READY"

    tick()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["parent@example.com"]
    assert mail.outbox[0].subject == "Hello D'Arcy"
    assert DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL"
    tick()  # a task runs once
    assert len(mail.outbox) == 1


@override_settings(TASKS=DATABASE_TASKS)
def test_only_publishing_workers_publish_and_every_worker_runs_tasks(client):
    page = make_news(
        make_organization(slug="gym"), title="Open day", image=False, live=False
    )
    revision = page.save_revision()
    revision.approved_go_live_at = timezone.now() - datetime.timedelta(minutes=1)
    revision.save()
    send_greeting.enqueue(to="parent@example.com", name="Ana")

    call_command("portico_worker", "--once", "--no-publish", stdout=io.StringIO())

    page.refresh_from_db()
    assert not page.live
    assert len(mail.outbox) == 1


@override_settings(TASKS=DATABASE_TASKS)
def test_wagtail_tasks_on_tenant_rows_succeed_in_the_worker(client):
    """Saving a tenant row queues Wagtail's reference-index task, which loads
    the row again by primary key: the worker runs it outside any scope."""
    # As in a running server: the admin's URLs are loaded, which registers
    # the admin's models with Wagtail's reference index.
    client.get("/admin/login/")
    organization = make_organization(slug="gym")
    with scopes_disabled():
        program = record_create(Program, organization=organization, name="Tumbling")
    queued = DBTaskResult.objects.filter(
        task_path="wagtail.tasks.update_reference_index_task",
        args_kwargs__args=["catalog", "program", str(program.pk)],
    )
    assert queued.get().status == "READY"

    tick()

    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {"SUCCESSFUL"}


def test_a_tick_settles_a_checkout_whose_gateway_answer_was_lost(monkeypatch):
    """The gateway approved but Portico never heard: the payment stays
    pending until the worker asks the gateway by its key."""
    from portal.billing.models import Payment
    from portal.cart.errors import CheckoutError
    from portal.cart.services import cart_add
    from portal.enrollments.models import Enrollment
    from tests.factories import make_family
    from tests.factories.cart import make_class
    from tests.portal.cart.fakes import use_fake_gateway
    from tests.portal.cart.test_checkout import kid, pay

    organization = make_organization(slug="swim")
    gateway = use_fake_gateway(monkeypatch, organization)
    guardian = make_family(organization, students=("Mia",))
    with scopes_disabled():
        cart_add(
            family=guardian.family,
            student=kid(guardian.family),
            klass=make_class(organization),
        )
        gateway.timeout_after_approval = 1
        gateway.find_unknown = True
        with pytest.raises(CheckoutError):
            pay(guardian)
        gateway.find_unknown = False
        Payment.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))

    call_command("portico_worker", "--once", stdout=io.StringIO())

    with scopes_disabled():
        assert Payment.objects.get().status == "confirmed"
        assert Enrollment.objects.filter(student__family=guardian.family).count() == 1
