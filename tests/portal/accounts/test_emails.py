"""Portal e-mails: links from the request, plain-text parts, the background task."""

import re

import pytest
from django.core import mail
from django.test import Client
from django_scopes import scopes_disabled
from django_tasks import default_task_backend

from portal.families.models import Guardian
from tests.factories import make_family, make_organization
from tests.portal.families.test_guardians import make_primary, make_secondary

pytestmark = pytest.mark.django_db

ORIGIN = "http://portal.example.org:9000"
NAME = "D'Arcy O'Neil & Sons"


@pytest.fixture
def org():
    return make_organization(name=NAME, slug="swim")


def _links(message):
    return re.findall(r"https?://[^\s\"<]+", message.body)


def test_invite_link_starts_with_the_requesting_origin(org):
    primary = make_primary(org)
    john = make_secondary(primary)
    client = Client(HTTP_HOST="portal.example.org:9000")
    client.force_login(primary.user)
    mail.outbox.clear()
    response = client.post(f"/portal/swim/account/guardians/{john.pk}/invite/")
    assert response.status_code == 302
    (message,) = mail.outbox
    (link,) = _links(message)
    assert link.startswith(f"{ORIGIN}/portal/swim/invite/")
    assert f'href="{link}"' in message.alternatives[0][0]


def test_welcome_and_account_exists_links_start_with_the_requesting_origin(org):
    from tests.portal.accounts.test_register import _walk_with_validation

    client = Client(HTTP_HOST="portal.example.org:9000")
    _walk_with_validation(client)
    client.post("/portal/swim/register/confirm/", {})
    welcome = mail.outbox[-1]
    assert "Welcome to" in welcome.subject
    assert _links(welcome) == [f"{ORIGIN}/portal/swim/login/"]

    make_family(org, email="taken@example.com")
    stranger = Client(HTTP_HOST="portal.example.org:9000")
    stranger.post(
        "/portal/swim/register/email/", {"email": "taken@example.com", "adult": "on"}
    )
    exists = mail.outbox[-1]
    assert exists.to == ["taken@example.com"]
    assert _links(exists) == [
        f"{ORIGIN}/portal/swim/login/",
        f"{ORIGIN}/portal/swim/password/forgot/",
    ]


def test_subject_and_text_show_names_as_typed_and_html_escapes_them(org):
    primary = make_primary(org, last_name="O'Neil & Sons")
    john = make_secondary(primary)
    client = Client()
    client.force_login(primary.user)
    mail.outbox.clear()
    client.post(f"/portal/swim/account/guardians/{john.pk}/invite/")
    (message,) = mail.outbox
    assert message.subject == (
        f"Mary O'Neil & Sons invited you to the family account at {NAME}"
    )
    assert f"at {NAME}. Open this link" in message.body
    assert "&#x27;" not in message.body + message.subject
    assert "&amp;" not in message.body + message.subject
    html = message.alternatives[0][0]
    assert "D&#x27;Arcy O&#x27;Neil &amp; Sons" in html
    assert NAME not in html


@pytest.fixture
def recorded_tasks(settings):
    """A task backend that keeps what was queued and runs nothing; gives
    Portico's queued tasks (Wagtail queues its own too)."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }

    def queued():
        return [
            result
            for result in default_task_backend.results
            if result.task.module_path.startswith("portal.")
        ]

    return queued


@pytest.fixture
def no_mail_in_request(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("an e-mail was sent during the request")

    monkeypatch.setattr("django.core.mail.message.EmailMessage.send", refuse)


def test_forgot_password_queues_the_same_task_for_known_and_unknown_emails(
    org, recorded_tasks, no_mail_in_request
):
    make_family(org, email="mom@example.com")
    answers = []
    for email in ("mom@example.com", "nobody@example.com"):
        response = Client().post("/portal/swim/password/forgot/", {"email": email})
        answers.append(response["Location"])
    assert answers[0] == answers[1] == "/portal/swim/password/reset/"
    assert [r.task.name for r in recorded_tasks()] == ["send_code", "send_code"]
    known, unknown = (r.kwargs for r in recorded_tasks())
    assert known.keys() == unknown.keys()
    assert (known["email"], unknown["email"]) == (
        "mom@example.com",
        "nobody@example.com",
    )
    assert known["purpose"] == unknown["purpose"] == "reset"
    assert mail.outbox == []


def test_registration_code_is_queued_alike_for_new_and_taken_emails(
    org, recorded_tasks, no_mail_in_request
):
    make_family(org, email="taken@example.com")
    for email in ("new@example.com", "taken@example.com"):
        Client().post("/portal/swim/register/email/", {"email": email, "adult": "on"})
    assert [r.task.name for r in recorded_tasks()] == ["send_code", "send_code"]
    assert {r.kwargs["purpose"] for r in recorded_tasks()} == {"verify"}


def test_invite_is_queued_with_plain_arguments(org, recorded_tasks, no_mail_in_request):
    primary = make_primary(org)
    john = make_secondary(primary)
    client = Client()
    client.force_login(primary.user)
    before = len(recorded_tasks())  # the primary's welcome e-mail
    client.post(f"/portal/swim/account/guardians/{john.pk}/invite/")
    (queued,) = recorded_tasks()[before:]
    assert queued.task.name == "send_email"
    assert queued.kwargs["organization_id"] == org.pk
    assert queued.kwargs["to"] == "john@example.com"
    assert queued.kwargs["template"] == "invite"
    with scopes_disabled():
        assert Guardian.objects.get(pk=john.pk).invite_status == "sent"


def test_the_immediate_backend_delivers_the_reset_code(org):
    make_family(org, email="mom@example.com")
    Client().post("/portal/swim/password/forgot/", {"email": "mom@example.com"})
    Client().post("/portal/swim/password/forgot/", {"email": "nobody@example.com"})
    (message,) = mail.outbox
    assert message.to == ["mom@example.com"]
    assert re.search(r"\b\d{6}\b", message.subject)
