"""portal.formatting: money, dates and times for the locale and the location."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from portal.formatting import (
    format_date,
    format_datetime,
    format_iso,
    format_money,
    format_time,
    format_time_range,
)

NBSP = "\u00a0"
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
UTC = datetime.UTC


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en-us"):
        yield


# Money


@pytest.mark.parametrize(
    "amount,currency,expected",
    [
        (Decimal("88"), "USD", "$88.00"),
        (Decimal("1225.5"), "USD", "$1,225.50"),
        (Decimal("0.125"), "USD", "$0.13"),  # half up, to the cent
        (Decimal("0.115"), "USD", "$0.12"),  # not to the even cent
        (225, "USD", "$225.00"),
        (Decimal("225"), "EUR", "€225.00"),
        (Decimal("1500.4"), "JPY", "¥1,500"),  # no minor unit
    ],
)
def test_money_in_the_active_locale(amount, currency, expected):
    assert format_money(amount, currency) == expected


def test_money_follows_the_language_and_never_takes_a_float():
    with translation.override("fr"):
        assert format_money(Decimal("225.5"), "USD") == f"225,50{NBSP}$US"
    with pytest.raises(TypeError):
        format_money(88.0, "USD")
    with pytest.raises(TypeError):
        format_money("88", "USD")


# Times and dates


def test_times_are_like_9_00_am_with_a_no_break_space():
    assert format_time(datetime.time(9)) == f"9:00{NBSP}AM"
    assert format_time(datetime.time(17, 45)) == f"5:45{NBSP}PM"
    assert format_time_range(datetime.time(17), datetime.time(17, 45)) == (
        f"5:00{NBSP}PM–5:45{NBSP}PM"
    )
    # Not CLDR's narrow no-break space, not Django's "9 a.m.".
    assert "\u202f" not in format_time(datetime.time(9))
    assert "a.m." not in format_time(datetime.time(9))


def test_an_aware_datetime_is_shown_at_the_location_not_in_utc():
    moment = datetime.datetime(2026, 10, 12, 22, tzinfo=UTC)  # 5 PM in Chicago
    assert format_time(moment, CHICAGO) == f"5:00{NBSP}PM"
    assert format_time(moment, "America/Chicago") == f"5:00{NBSP}PM"

    class Location:
        time_zone = "America/Chicago"

    assert format_time(moment, Location()) == f"5:00{NBSP}PM"
    assert format_datetime(moment, Location()) == f"Oct 12, 2026, 5:00{NBSP}PM"
    assert format_iso(moment, Location()) == "2026-10-12T17:00:00-05:00"
    # A Saturday 6 PM in Chicago in winter is Sunday midnight in UTC.
    saturday = datetime.datetime(2026, 11, 8, 0, tzinfo=UTC)
    assert format_date(saturday, CHICAGO, style="day") == "Sat, Nov 7"
    assert format_date(saturday, CHICAGO, style="full") == "Saturday, November 7, 2026"


def test_an_aware_datetime_without_a_zone_is_refused():
    with pytest.raises(ValueError):
        format_time(datetime.datetime(2026, 10, 12, 22, tzinfo=UTC))
    with pytest.raises(ValueError):
        format_date(datetime.datetime(2026, 10, 12, 22, tzinfo=UTC))


def test_daylight_saving_change_keeps_local_dates_and_times():
    # Chicago leaves daylight saving on Sunday 1 November 2026 at 2 AM.
    before = datetime.datetime(2026, 10, 31, 23, tzinfo=UTC)  # Sat 6 PM CDT
    after = datetime.datetime(2026, 11, 8, 0, tzinfo=UTC)  # Sat 6 PM CST
    for moment, day in ((before, "Sat, Oct 31"), (after, "Sat, Nov 7")):
        assert format_date(moment, CHICAGO, style="day") == day
        assert format_time(moment, CHICAGO) == f"6:00{NBSP}PM"
    assert format_iso(after, CHICAGO) == "2026-11-07T18:00:00-06:00"


def test_plain_dates_and_times_need_no_zone():
    day = datetime.date(2026, 3, 9)
    assert format_date(day) == "Mar 9, 2026"
    assert format_date(day, style="day") == "Mon, Mar 9"
    assert format_date(day, style="full") == "Monday, March 9, 2026"
    assert format_iso(day) == "2026-03-09"
    assert format_iso(datetime.time(9)) == "09:00"


def test_template_filters():
    template = Template(
        "{% load portico %}"
        "{{ amount|money:currency }}|{{ missing|money:currency }}|"
        "{{ moment|local_time:zone }}|{{ moment|local_day:zone }}|"
        "{{ moment|local_date:zone }}|{{ moment|local_full_date:zone }}|"
        "{{ moment|local_datetime:zone }}|{{ moment|iso:zone }}|{{ day|local_date }}"
    )
    html = template.render(
        Context(
            {
                "amount": Decimal("88"),
                "missing": None,
                "currency": "USD",
                "moment": datetime.datetime(2026, 11, 8, 0, tzinfo=UTC),
                "zone": "America/Chicago",
                "day": datetime.date(2026, 3, 9),
            }
        )
    )
    assert html.split("|") == [
        "$88.00",
        "",
        f"6:00{NBSP}PM",
        "Sat, Nov 7",
        "Nov 7, 2026",
        "Saturday, November 7, 2026",
        f"Nov 7, 2026, 6:00{NBSP}PM",
        "2026-11-07T18:00:00-06:00",
        "Mar 9, 2026",
    ]
