from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "portal.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import signals
        from .models import Instructor, Level, Program

        for model in (Program, Level, Instructor):
            post_save.connect(signals.lookups_changed, sender=model)
            post_delete.connect(signals.lookups_changed, sender=model)
