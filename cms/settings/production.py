"""Production: every secret and host comes from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY or SECRET_KEY.startswith("portico-insecure"):
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY to a long random value.")

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("DJANGO_SECURE_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Nothing of the portal is framed; Wagtail's preview views, which the editor
# shows in a same-origin iframe, set SAMEORIGIN on their own responses.
X_FRAME_OPTIONS = "DENY"

# Argon2 would need an extra C dependency; PBKDF2 with Django's current
# iteration count is the strong default, scrypt listed for upgrades.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portal@localhost")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    # Sessions are read from Redis and written through to the database: every
    # app server shares them without a query per request, and a Redis restart
    # or an evicted key logs no one out (a cache-only engine would).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# The log in throttle and the code counters live in the default cache, so
# every web worker process must share it: more than one worker needs Redis.
# WEB_CONCURRENCY is the worker count gunicorn reads; set it (rather than
# passing --workers) so this check sees it. Several machines need REDIS_URL
# too, whatever their worker count.
if not REDIS_URL and int(os.environ.get("WEB_CONCURRENCY", "1")) > 1:
    raise ImproperlyConfigured(
        "Set REDIS_URL: with more than one worker process the log in throttle "
        "needs a cache that every worker shares."
    )
