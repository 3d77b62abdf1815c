import shutil

import pytest
from django.conf import settings
from django_scopes import scopes_disabled


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    yield


@pytest.fixture
def unscoped():
    """Test setup may touch any tenant; the code under test may not."""
    with scopes_disabled():
        yield


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
