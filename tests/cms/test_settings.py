"""Production settings: `check --deploy` is clean and a secret key is required.

Each case runs manage.py in a subprocess, because settings load once per process.
"""

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def run_manage(tmp_path, *args, secret_key=None, extra_env=None):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        DJANGO_ALLOWED_HOSTS="portal.example.com",
        # Never the project's own database file; checks do not connect anyway.
        SQLITE_PATH=str(tmp_path / "check.sqlite3"),
    )
    if secret_key is not None:
        env["DJANGO_SECRET_KEY"] = secret_key
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    key = secrets.token_urlsafe(50)
    assert len(key) >= 50
    result = run_manage(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", secret_key=key
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


@pytest.mark.parametrize(
    "secret_key",
    [None, "", "portico-insecure-development-key"],
    ids=["unset", "empty", "development-key"],
)
def test_production_settings_refuse_to_load_without_a_secret_key(tmp_path, secret_key):
    result = run_manage(tmp_path, "check", secret_key=secret_key)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# The same check Django would run, printed for the test to read.
CACHE_ROUND_TRIP = """
import secrets
from django.conf import settings
from django.core.cache import caches
cache = caches["default"]
key, value = "portico-test-" + secrets.token_hex(8), secrets.token_hex(8)
cache.set(key, value, 30)
print("backend", type(cache).__module__ + "." + type(cache).__name__)
print("round-trip", cache.get(key) == value)
cache.delete(key)
print("sessions", settings.SESSION_ENGINE)
"""


def redis_reachable():
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            return True
    except OSError:
        return False


def test_production_settings_with_redis_url_start_and_use_the_cache(tmp_path):
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}")
    result = run_manage(
        tmp_path,
        "shell",
        "--no-imports",
        "-c",
        CACHE_ROUND_TRIP,
        secret_key=secrets.token_urlsafe(50),
        # Database 15: far from the numbers a local Portico would use.
        extra_env={"REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/15"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "backend django.core.cache.backends.redis.RedisCache" in lines
    assert "round-trip True" in lines
    assert "sessions django.contrib.sessions.backends.cached_db" in lines


def test_production_settings_without_redis_keep_database_sessions(tmp_path):
    result = run_manage(
        tmp_path,
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.SESSION_ENGINE)",
        secret_key=secrets.token_urlsafe(50),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "django.contrib.sessions.backends.db"
