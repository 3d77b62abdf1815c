from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405  (each test sets its own)
WAGTAILADMIN_BASE_URL = "http://testserver"
STATIC_ROOT = None  # static files come from the finders in tests
WHITENOISE_USE_FINDERS = True
PORTICO_SERVE_MEDIA = True
# Each request closes its database connection: the live server answers
# every request in a thread of its own, and persistent connections left by
# those threads would count against PostgreSQL's limit while the seat race
# tests open fifty at once on the other test worker.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Browser tests wait for the live server's requests to finish before the
# database is flushed for the next test (see tests/inflight.py).
MIDDLEWARE = ["tests.inflight.InFlightMiddleware", *MIDDLEWARE]  # noqa: F405
