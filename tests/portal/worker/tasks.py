"""A task for the worker tests: importable by path, as the database backend needs."""

from django.core.mail import send_mail
from django_tasks import task


@task()
def send_greeting(*, to, name):
    send_mail(f"Hello {name}", f"Welcome, {name}.", "portal@example.com", [to])
