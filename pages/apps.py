from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Portal pages"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.models import Site, get_page_models
        from wagtail.signals import post_page_move

        from . import signals

        # Connected per page model (not to every sender) so that deleting
        # other models keeps Django's fast, signal-free delete.
        for model in get_page_models():
            post_save.connect(signals.page_saved_or_deleted, sender=model)
            post_delete.connect(signals.page_saved_or_deleted, sender=model)
        post_page_move.connect(signals.page_moved)
        post_save.connect(signals.site_changed, sender=Site)
        post_delete.connect(signals.site_changed, sender=Site)
