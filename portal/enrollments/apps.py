from django.apps import AppConfig


class EnrollmentsConfig(AppConfig):
    name = "portal.enrollments"
    label = "enrollments"
    verbose_name = "Enrollments"
