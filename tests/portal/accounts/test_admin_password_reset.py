"""The admin's "forgotten password": staff only, and sent by the worker."""

import re
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal.accounts import tasks
from tests.factories import make_family, make_organization, make_staff

pytestmark = pytest.mark.django_db

ORIGIN = "http://admin.example.org:9000"


@pytest.fixture
def org():
    return make_organization(name="Splash", slug="splash")


def ask_for_reset(email):
    client = Client(HTTP_HOST="admin.example.org:9000")
    response = client.post(reverse("wagtailadmin_password_reset"), {"email": email})
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_password_reset_done")
    return client


def test_staff_get_a_link_to_the_admin_at_its_address(org, settings):
    settings.WAGTAILADMIN_BASE_URL = ORIGIN
    staff = make_staff(org, email="coach@example.com")
    mail.outbox.clear()
    client = ask_for_reset("coach@example.com")
    (message,) = mail.outbox
    assert message.to == ["coach@example.com"]
    (link,) = re.findall(r"https?://\S+", message.body)
    assert link.startswith(f"{ORIGIN}/admin/password_reset/confirm/")
    # The link works: a new password, then the admin log in with it.
    response = client.get(link.removeprefix(ORIGIN), follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "a-new-long-pass-42", "new_password2": "a-new-long-pass-42"},
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password("a-new-long-pass-42")


def test_parents_and_strangers_get_nothing_and_the_same_answer(org):
    make_family(org, email="parent@example.com")
    mail.outbox.clear()
    ask_for_reset("parent@example.com")
    ask_for_reset("nobody@example.com")
    assert mail.outbox == []


def test_the_request_only_queues_the_same_work_for_any_email(org):
    make_staff(org, email="coach@example.com")
    mail.outbox.clear()
    with mock.patch.object(tasks, "send_admin_password_reset") as task:
        ask_for_reset("coach@example.com")
        ask_for_reset("nobody@example.com")
    enqueue = task.enqueue
    assert mail.outbox == []  # nothing is sent while the request runs
    known, unknown = (c.kwargs for c in enqueue.call_args_list)
    assert known["email"] == "coach@example.com"
    assert unknown["email"] == "nobody@example.com"
    assert {k: v for k, v in known.items() if k != "email"} == {
        k: v for k, v in unknown.items() if k != "email"
    }
    assert known["domain"] == "admin.example.org:9000"
