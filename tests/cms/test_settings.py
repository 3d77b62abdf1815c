"""Production settings: `check --deploy` is clean and a secret key is required.

Each case runs manage.py in a subprocess, because settings load once per process.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def run_manage(tmp_path, *args, secret_key=None):
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
