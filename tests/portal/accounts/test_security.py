import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django_scopes import scopes_disabled

from portal.accounts.models import VerificationCode
from tests.factories import make_family, make_organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return make_organization(slug="swim")


@pytest.mark.parametrize(
    "url,data",
    [
        ("/portal/swim/login/", {"email": "a@example.com", "password": "x"}),
        ("/portal/swim/password/forgot/", {"email": "a@example.com"}),
        ("/portal/swim/register/email/", {"email": "a@example.com", "adult": "on"}),
        ("/portal/swim/location/", {"location": "1"}),
    ],
)
def test_forms_refuse_posts_without_csrf_token(org, url, data):
    client = Client(enforce_csrf_checks=True)
    assert client.post(url, data).status_code == 403


def test_logged_in_forms_refuse_posts_without_csrf_token(org):
    guardian = make_family(org, email="mom@example.com")
    client = Client(enforce_csrf_checks=True)
    client.force_login(guardian.user)
    for url in ("/portal/swim/logout/", "/portal/swim/account/students/add/"):
        assert client.post(url, {}).status_code == 403


def test_codes_are_stored_hashed(client, org):
    make_family(org, email="mom@example.com")
    client.post("/portal/swim/password/forgot/", {"email": "mom@example.com"})
    code = next(w for w in mail.outbox[-1].subject.split() if w.isdigit())
    with scopes_disabled():
        stored = VerificationCode.objects.get()
    assert code not in stored.code_hash
    assert len(stored.code_hash) == 64


def test_every_portal_email_has_text_and_html_parts(client, org):
    make_family(org, email="mom@example.com")
    client.post("/portal/swim/password/forgot/", {"email": "mom@example.com"})
    client.post(
        "/portal/swim/register/email/", {"email": "new@example.com", "adult": "on"}
    )
    client.post(
        "/portal/swim/register/email/", {"email": "mom@example.com", "adult": "on"}
    )
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        assert message.body.strip()
        assert message.alternatives[0][1] == "text/html"
        assert "<html" in message.alternatives[0][0]


def test_production_uses_a_strong_password_hasher():
    import subprocess
    import sys

    code = (
        "import django, os;"
        "os.environ['DJANGO_SECRET_KEY']='x'*60;"
        "os.environ['DJANGO_SETTINGS_MODULE']='cms.settings.production';"
        "from django.conf import settings;"
        "print(settings.PASSWORD_HASHERS[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    ).stdout.strip()
    assert out.endswith("ScryptPasswordHasher")


def _production_settings(env):
    import os
    import subprocess
    import sys

    code = (
        "import django;"
        "from django.conf import settings;"
        "print(settings.CACHES['default']['BACKEND'])"
    )
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "WEB_CONCURRENCY")
    }
    environ.update(
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env=environ,
    )


def test_production_refuses_several_workers_without_a_shared_cache():
    refused = _production_settings({"WEB_CONCURRENCY": "4"})
    assert refused.returncode != 0
    assert "Set REDIS_URL" in refused.stderr
    one = _production_settings({"WEB_CONCURRENCY": "1"})
    assert one.returncode == 0, one.stderr
    shared = _production_settings(
        {"WEB_CONCURRENCY": "4", "REDIS_URL": "redis://127.0.0.1:6379/0"}
    )
    assert shared.returncode == 0, shared.stderr
    assert shared.stdout.strip().endswith("RedisCache")
