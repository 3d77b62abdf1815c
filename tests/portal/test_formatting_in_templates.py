"""Parents see money, dates and times only through portal.formatting: the
model labels use it, and no template builds money or formats a moment by
hand (so a UTC time or a "$" in front of a euro amount cannot come back)."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en-us"):
        yield


# The model labels use the same helpers.


@pytest.mark.django_db
def test_class_price_and_schedule_labels_use_the_helpers():
    from django_scopes import scopes_disabled

    from portal.catalog.models import Program
    from portal.catalog.services import class_create, record_create
    from tests.factories import make_organization

    organization = make_organization(slug="labels")
    with scopes_disabled():
        program = record_create(Program, organization=organization, name="Swim")
        klass = class_create(
            organization=organization,
            name="Guppies",
            program=program,
            location=organization.locations.get(),
            season_start=datetime.date(2026, 9, 1),
            season_end=datetime.date(2026, 12, 1),
            tuition=Decimal("88"),
            schedules=[
                {
                    "weekday": 0,
                    "start_time": datetime.time(17),
                    "end_time": datetime.time(17, 45),
                }
            ],
        )
        klass.refresh_from_db()
        assert klass.price_label == "$88.00 per month"
        assert klass.when_label == f"Monday 5:00{NBSP}PM–5:45{NBSP}PM"
        with translation.override("fr"):
            assert klass.price_label.startswith(f"88,00{NBSP}$US")
        organization.currency = "EUR"
        organization.save()
        klass.refresh_from_db()
        assert klass.price_label == "€88.00 per month"


# Nothing in the templates builds money or formats a moment by hand.

TEMPLATES = Path(settings.BASE_DIR) / "templates"

# Money: a "$" in front of a variable, a currency code written out, or the
# organization's currency printed next to a number.
HAND_BUILT_MONEY = [
    (re.compile(r"\$\s*\{\{"), '"$" before a template variable'),
    (re.compile(r"\b(USD|EUR|CAD|GBP|AUD)\b"), "a currency code"),
    (re.compile(r"\{\{[^}|]*currency\s*\}\}"), "the currency printed by hand"),
    (re.compile(r"currency=[\w.]+\s"), "the currency passed to a translation"),
]
# Django's own date and time filters convert aware datetimes to the server's
# zone (UTC). Parent-facing templates use the portico filters instead.
DATE_OR_TIME_FILTER = re.compile(r"([\w.]+)\s*\|\s*(date|time)(?!\w)")


def parent_facing_templates():
    """Every template except the staff admin's own (admin/ folders)."""
    for path in sorted(TEMPLATES.rglob("*")):
        relative = path.relative_to(TEMPLATES)
        if path.suffix not in {".html", ".txt"}:
            continue
        if any(part in {"admin", "wagtailadmin"} for part in relative.parts):
            continue
        yield relative.as_posix(), path.read_text()


def test_the_scan_sees_the_templates_and_catches_what_it_should():
    found = dict(parent_facing_templates())
    assert "portal/catalog/class_detail.html" in found
    assert "portal/tenancy/dashboard.html" in found
    samples = [
        "Registration fee ${{ fee }}",
        "{% blocktranslate with price=p currency=organization.currency %}",
        "{{ price }} {{ organization.currency }}",
        "225.00 USD",
    ]
    for sample in samples:
        assert any(rule.search(sample) for rule, _ in HAND_BUILT_MONEY), sample
    assert DATE_OR_TIME_FILTER.search('{{ m.starts_at|time:"g:i A" }}')
    assert DATE_OR_TIME_FILTER.search("{{ m.starts_at | date }}")
    assert not DATE_OR_TIME_FILTER.search("{{ m.starts_at|local_time:m.location }}")


def test_no_template_builds_money_by_hand():
    problems = [
        f"{name}: {why}: {match.group(0)!r}"
        for name, text in parent_facing_templates()
        for rule, why in HAND_BUILT_MONEY
        for match in rule.finditer(text)
    ]
    assert problems == [], "Use {{ amount|money:organization.currency }}"


def test_no_template_formats_dates_or_times_with_djangos_filters():
    problems = [
        f"{name}: {match.group(0)!r}"
        for name, text in parent_facing_templates()
        for match in DATE_OR_TIME_FILTER.finditer(text)
    ]
    assert problems == [], "Use the portico filters (local_time, local_date, ...)"
