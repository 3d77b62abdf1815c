"""Settings shared by every environment. Differences live in dev/production/test."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "portico-insecure-development-key")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "portal.accounts",
    "portal.tenancy",
    "portal.families",
    "portal.catalog",
    "portal.enrollments",
    "portal.cart",
    "portal.billing",
    "portal.demo",
    "portal.worker",
    "portal.security",
    "pages",
    "snippets",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "pgtrigger",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.security.middleware.SecurityHeadersMiddleware",
    "portal.tenancy.middleware.TenantMiddleware",
    "portal.tenancy.admin_timezone.AdminTimeZoneMiddleware",
    "portal.tenancy.admin_guard.AdminIsolationMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.tenancy.context_processors.portal",
                "portal.cart.context_processors.cart",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"

# SQLite is the embedded default; DATABASE_URL switches to PostgreSQL.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=600, conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", BASE_DIR / "db.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Every authenticate() call passes django-axes' lock-out check first; the
# rules (per email + address with a growing cool-off, a higher ceiling per
# address) are Portico's handler in portal/accounts/throttle.py.
AUTHENTICATION_BACKENDS = [
    "portal.accounts.throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "portal.accounts.throttle.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = 5  # per email + address, before the first cool-off
AXES_COOLOFF_TIME = "portal.accounts.throttle.login_cool_off"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "portal.accounts.throttle.login_username"
AXES_CLIENT_IP_CALLABLE = "portal.accounts.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "portal.accounts.throttle.lockout_response"
AXES_ENABLE_ADMIN = False
# Behind a reverse proxy, name the header it sets with the client's address
# (e.g. X-Forwarded-For) and how many proxies append to it; unset, the
# address is REMOTE_ADDR and such headers from clients are ignored.
PORTICO_CLIENT_IP_HEADER = os.environ.get("PORTICO_CLIENT_IP_HEADER", "")
PORTICO_TRUSTED_PROXIES = int(os.environ.get("PORTICO_TRUSTED_PROXIES", "1"))

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGIN_URL = "wagtailadmin_login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Files that are never served as media: printed statement batches. Only
# the staff views that check the organization hand them out.
PRIVATE_MEDIA_ROOT = Path(
    os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private-media")
)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

WAGTAIL_SITE_NAME = "Portico"
# Links in e-mails start with the origin of the request that sends them; this
# base URL serves only work without a request (jobs, the shell).
WAGTAILADMIN_BASE_URL = os.environ.get(
    "PORTICO_BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
)
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
# An upload is refused above 10 MB or 50 million pixels (an 8,700 x 5,800
# photo): a small file can declare dimensions that take gigabytes to decode.
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 50_000_000
WAGTAILDOCS_EXTENSIONS = ["pdf", "txt"]
# Every download goes through Wagtail's serve view, where the documents of an
# organization's collection are refused to other organizations' staff
# (portal/tenancy/isolation_hooks.py), never to a storage URL.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAIL_PASSWORD_RESET_ENABLED = True
WAGTAILADMIN_USER_LOGIN_FORM = "portal.accounts.forms.StaffLoginForm"
WAGTAILADMIN_USER_PASSWORD_RESET_FORM = "portal.accounts.forms.StaffPasswordResetForm"
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "SAMEORIGIN"

# Content-Security-Policy (django-csp): scripts, styles and everything else
# only from Portico's own origin; never inline script or style. Framing is left
# to X_FRAME_OPTIONS (Wagtail's preview sets SAMEORIGIN on its own responses).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}
# What the Wagtail admin (its pages and previews) needs on top: its scripts
# insert <style> elements. Scripts stay 'self' only (portal/security replaces
# Wagtail's inline scripts with data that a static file acts on).
PORTICO_ADMIN_CSP_UPDATE = {"style-src": ["'unsafe-inline'"]}
# No avatars from gravatar.com: the admin loads nothing from other origins.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
