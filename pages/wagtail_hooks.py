from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks


@hooks.register("insert_editor_js")
def inline_headings_js():
    """Heads inline child forms by a field of their own (see StaffPage)."""
    return format_html(
        '<script src="{}" defer></script>', static("js/admin/inline-headings.js")
    )
