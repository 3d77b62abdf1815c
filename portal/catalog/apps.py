from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "portal.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import signals
        from .models import Class, Instructor, Level, Program

        for model in (Class, Program, Level, Instructor):
            post_save.connect(signals.catalog_changed, sender=model)
            post_delete.connect(signals.catalog_changed, sender=model)
