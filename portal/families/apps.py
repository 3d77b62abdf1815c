from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    name = "portal.families"
    label = "families"
    verbose_name = "Families"
