"""Data for scripts without inline script: JSON placed in a data block."""

from django import template
from django.utils.html import _json_script_escapes
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def script_json(json_text):
    """A JSON string made safe inside <script type="application/json">: the
    characters that could close the element become JSON escapes."""
    return mark_safe(str(json_text).translate(_json_script_escapes))  # noqa: S308
