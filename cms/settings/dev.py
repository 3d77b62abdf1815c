from .base import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
PORTICO_SERVE_MEDIA = True
# Tasks wait in the database for the worker that `make demo` starts beside the
# web server (manage.py portico_worker), as in production.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
