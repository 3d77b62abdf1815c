from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks


@hooks.register("insert_global_admin_js")
def start_widgets_without_inline_script():
    return format_html('<script src="{}"></script>', static("js/admin/csp-init.js"))
