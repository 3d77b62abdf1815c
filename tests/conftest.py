import pytest
from django.core.cache import cache
from django_scopes import scopes_disabled


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (throttles, cached lookups)."""
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test stores (and the live server serves) uploads in its own folder,
    and keeps private files (statement batches) in another."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }
    yield


@pytest.fixture
def unscoped():
    """Test setup may touch any tenant; the code under test may not."""
    with scopes_disabled():
        yield
