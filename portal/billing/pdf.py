"""Statements as PDF with WeasyPrint, from `templates/pdf/`.

The HTML is rendered from the statement's stored `content` only (never the
ledger), so a reprint prints what was issued. One font configuration and
one parsed stylesheet per language are kept for the life of the process:
parsing the stylesheet and loading fonts again for every statement would
cost more than laying out a one-page statement.

WeasyPrint reads nothing from the network: its URL fetcher accepts `data:`
URLs and files inside the media folder (the logo's rendition), nothing else.
"""

import base64
import datetime
import mimetypes
import threading
from decimal import Decimal
from pathlib import Path

from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from .models import StatementKind

TEMPLATES = {
    StatementKind.STATEMENT: "pdf/statement.html",
    StatementKind.LEDGER: "pdf/ledger.html",
    StatementKind.YEAR_END: "pdf/year_end.html",
}
STYLESHEET = "pdf/statement.css"

_lock = threading.Lock()
_font_config = None
_stylesheets: dict[str, CSS] = {}


class LocalFetcher(URLFetcher):
    """`data:` URLs and files under the media folder; anything else is
    refused, so a statement never makes a network request."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file:"):
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            media = Path(default_storage.location).resolve()
            if path.is_relative_to(media):
                return super().fetch(url, headers)
        raise ValueError(f"Statements read no resource from {url}.")


def font_config() -> FontConfiguration:
    global _font_config
    with _lock:
        if _font_config is None:
            _font_config = FontConfiguration()
        return _font_config


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def page_label_css() -> str:
    """CSS `content` for "Page X of Y" in the active language."""
    marker_page, marker_pages = "\x00page\x00", "\x00pages\x00"
    text = _("Page %(page)s of %(pages)s") % {
        "page": marker_page,
        "pages": marker_pages,
    }
    parts = []
    for chunk in text.split("\x00"):
        if chunk == "page":
            parts.append("counter(page)")
        elif chunk == "pages":
            parts.append("counter(pages)")
        elif chunk:
            parts.append(_css_string(chunk))
    return " ".join(parts)


def stylesheet() -> CSS:
    """The statements' stylesheet, parsed once per language."""
    language = translation.get_language() or ""
    with _lock:
        css = _stylesheets.get(language)
    if css is None:
        text = render_to_string(STYLESHEET, {"page_label": page_label_css()})
        config = font_config()
        css = CSS(string=text, font_config=config)
        with _lock:
            _stylesheets[language] = css
    return css


# From stored content to template values --------------------------------------


def _money(value):
    return None if value is None else Decimal(value)


def _day(value):
    return None if not value else datetime.date.fromisoformat(value)


def _logo_src(name: str) -> str:
    """A URL WeasyPrint reads locally: the rendition's file, or its bytes
    where the storage has no local files."""
    if not name or not default_storage.exists(name):
        return ""
    try:
        return Path(default_storage.path(name)).as_uri()
    except NotImplementedError:
        with default_storage.open(name) as f:
            data = base64.b64encode(f.read()).decode()
        mime = mimetypes.guess_type(name)[0] or "image/png"
        return f"data:{mime};base64,{data}"


def _revive(content: dict) -> dict:
    """A copy of `content` with money as Decimal and dates as dates."""
    c = dict(content)
    for key in ("issued_on", "as_of", "period_start", "period_end"):
        c[key] = _day(c.get(key))
    c["totals"] = {k: _money(v) for k, v in c.get("totals", {}).items()}
    kind = c.get("kind")
    if kind == StatementKind.STATEMENT:
        c["lines"] = [
            {
                **line,
                "date": _day(line["date"]),
                "due": _day(line.get("due")),
                "amount": _money(line["amount"]),
                "paid": _money(line["paid"]),
                "open": _money(line["open"]),
            }
            for line in c.get("lines", [])
        ]
        c["aging"] = [
            {**row, "amount": _money(row["amount"])} for row in c.get("aging", [])
        ]
    elif kind == StatementKind.LEDGER:
        c["lines"] = [
            {
                **line,
                "date": _day(line["date"]),
                "charge": _money(line.get("charge")),
                "payment": _money(line.get("payment")),
                "balance": _money(line["balance"]),
            }
            for line in c.get("lines", [])
        ]
    elif kind == StatementKind.YEAR_END:
        c["students"] = [
            {
                **group,
                "total": _money(group["total"]),
                "lines": [
                    {
                        **line,
                        "date": _day(line["date"]),
                        "amount": _money(line["amount"]),
                    }
                    for line in group["lines"]
                ],
            }
            for group in c.get("students", [])
        ]
        c["payments"] = [
            {**row, "date": _day(row["date"]), "amount": _money(row["amount"])}
            for row in c.get("payments", [])
        ]
    return c


def render_html(statement, *, base_url: str = "") -> str:
    content = _revive(statement.content)
    organization = content.get("organization", {})
    context = {
        "statement": statement,
        "c": content,
        "currency": content.get("currency", "USD"),
        "title": statement.get_kind_display(),
        "logo_src": _logo_src(organization.get("logo", "")),
        "base_url": base_url,
        "language": translation.get_language() or "en",
    }
    return render_to_string(TEMPLATES[statement.kind], context)


def render_document(statement, *, base_url: str = ""):
    """The laid-out WeasyPrint Document (its pages can be merged with other
    statements' pages: each keeps its own "Page X of Y")."""
    html = HTML(
        string=render_html(statement, base_url=base_url),
        base_url=base_url or None,
        url_fetcher=LocalFetcher(allowed_protocols={"data", "file"}),
    )
    return html.render(stylesheets=[stylesheet()], font_config=font_config())


def render_pdf(statement) -> bytes:
    return render_document(statement).write_pdf()
