"""Wagtail's chooser widgets without an inline script.

`BaseChooser.render` appends `<script>new ImageChooser("id", {...});</script>`
to every chooser (images, documents, pages, snippets, tasks), which a policy
without 'unsafe-inline' blocks. Wagtail has no setting for this, so Portico
replaces that one method: the same call is written as JSON data, and
static/js/admin/csp-init.js makes it. A chooser whose JavaScript start is not
one of the two shapes below keeps Wagtail's inline script (and the browser
test of the policy reports it).
"""

import json

from django.utils.html import format_html
from django.utils.safestring import mark_safe
from wagtail.admin.widgets import BaseChooser
from wagtail.admin.widgets.workflows import AdminTaskChooser

from .templatetags.portico_csp import script_json

_wagtail_render = BaseChooser.render


def _start_data(widget, id_, name, value_data):
    """What the inline script would do, as data: a constructor or a function
    (by its global name) and its arguments."""
    render_js_init = type(widget).render_js_init
    if render_js_init is BaseChooser.render_js_init:
        options = widget.get_js_init_options(id_, name, value_data)
        return {"construct": widget.js_constructor, "args": [id_, options]}
    if render_js_init is AdminTaskChooser.render_js_init:
        return {"call": "createTaskChooser", "args": [id_]}
    return None


def render(self, name, value, attrs=None, renderer=None):
    try:
        id_ = attrs["id"]
    except (KeyError, TypeError) as e:
        raise TypeError(
            "BaseChooser cannot be rendered without an 'id' attribute"
        ) from e
    value_data = self.get_value_data(value)
    start = _start_data(self, id_, name, value_data)
    if start is None:
        return _wagtail_render(self, name, value, attrs, renderer)
    return format_html(
        '{}<script type="application/json" data-portico-init="chooser">{}</script>',
        mark_safe(self.render_html(name, value_data, attrs)),  # noqa: S308  (Wagtail's HTML)
        script_json(json.dumps(start)),
    )


def install():
    BaseChooser.render = render
