"""The one way Portico shows money, dates and times to parents.

Money is formatted for the active language's locale with the organization's
currency; dates and times use the locale's own patterns and, for moments in
time (aware datetimes), the location's time zone. The server's zone is UTC,
so a class that meets at 5 PM in Chicago would otherwise read 10 PM or 11 PM:
never pass an aware datetime to Django's `date`/`time` filters, use these
functions or the `portico` template filters built on them.

Babel (CLDR data) does the formatting. Two deliberate choices:

* English CLDR puts a narrow no-break space (U+202F) between the time and
  AM/PM. Portico shows an ordinary no-break space (U+00A0) instead: "5:00 PM"
  still never breaks across lines, and every font, mail client and PDF
  renderer has it, and find-in-page and copy-paste treat it as a space.
* Amounts are rounded half up to the currency's minor unit before Babel sees
  them (the ledger's rounding rule), and a float is refused: money is Decimal.
"""

import datetime
import functools
import zoneinfo
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from django.conf import settings
from django.utils import translation

NARROW_NO_BREAK_SPACE = "\u202f"
NO_BREAK_SPACE = "\u00a0"

# Date styles: a CLDR width or, for the ones CLDR has no width for, a skeleton
# that Babel turns into the locale's own pattern.
DATE_STYLES = {
    "medium": ("format", "medium"),  # Mar 9, 2026
    "full": ("format", "full"),  # Monday, March 9, 2026
    "day": ("skeleton", "MMMEd"),  # Mon, Mar 9
    "month": ("format", "LLLL"),  # March (the stand-alone month name)
}


@lru_cache(maxsize=32)
@functools.lru_cache(maxsize=64)
def _locale_for(language):
    try:
        return Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(translation.to_locale(settings.LANGUAGE_CODE))


def current_locale():
    """The Babel locale of the active language (the site's default if none)."""
    return _locale_for(translation.get_language() or settings.LANGUAGE_CODE)


def zone_of(where):
    """A tzinfo from a Location (its `time_zone`), a zone name or a tzinfo."""
    if where is None or isinstance(where, datetime.tzinfo):
        return where
    name = where if isinstance(where, str) else getattr(where, "time_zone", "")
    return zoneinfo.ZoneInfo(name or "UTC")


def _wall_clock(value, where):
    """`value` as the location's wall clock: aware datetimes are converted to
    its zone (which must be given), naive ones and plain times are kept."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        zone = zone_of(where)
        if zone is None:
            raise ValueError(
                "An aware datetime needs the location's time zone to be shown."
            )
        return value.astimezone(zone)
    return value


def _tidy(text):
    return text.replace(NARROW_NO_BREAK_SPACE, NO_BREAK_SPACE)


def round_money(amount, currency=None):
    """The one rounding rule for money: half up to the currency's minor unit
    (cents when no currency is given). Decimal or int only, never a float."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"Money is a Decimal, not {type(amount).__name__}.")
    digits = babel_numbers.get_currency_precision(currency) if currency else 2
    return Decimal(amount).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)


def format_money(amount, currency):
    """'$1,225.50' for Decimal("1225.5") in USD (en-us). Decimal or int only."""
    return _format_currency(round_money(amount, currency), currency, current_locale())


@functools.lru_cache(maxsize=4096)
def _format_currency(rounded, currency, locale):
    # A list of classes shows the same few prices many times over.
    return _tidy(babel_numbers.format_currency(rounded, currency, locale=locale))


def format_time(value, where=None):
    """'5:00 PM': a time of day, or an aware datetime at the location `where`."""
    local = _wall_clock(value, where)
    if isinstance(local, datetime.datetime):
        local = local.replace(tzinfo=None).time()
    return _tidy(babel_dates.format_time(local, "short", locale=current_locale()))


def format_time_range(start, end, where=None):
    """'5:00 PM–5:45 PM'."""
    return f"{format_time(start, where)}–{format_time(end, where)}"


def format_date(value, where=None, style="medium"):
    """'Mar 9, 2026' (style "medium"), 'Mon, Mar 9' ("day"), 'Monday, March
    9, 2026' ("full") or 'March' ("month"): a date, or the local date of an
    aware datetime."""
    local = _wall_clock(value, where)
    if isinstance(local, datetime.datetime):
        local = local.date()
    kind, pattern = DATE_STYLES[style]
    locale = current_locale()
    if kind == "skeleton":
        text = babel_dates.format_skeleton(pattern, local, locale=locale)
    else:
        text = babel_dates.format_date(local, pattern, locale=locale)
    return _tidy(text)


def format_datetime(value, where=None, style="medium"):
    """'Mar 9, 2026, 5:00 PM': the date in `style` and the time, joined as the
    locale joins a medium date and time (some locales' longer joins carry
    quoted words that are not plain format strings)."""
    joined = str(current_locale().datetime_formats["medium"])
    return joined.format(format_time(value, where), format_date(value, where, style))


def format_iso(value, where=None):
    """Machine-readable value for a <time datetime="...">: dates as
    2026-03-09, times as 17:00, aware datetimes with the location's offset."""
    local = _wall_clock(value, where)
    if isinstance(local, datetime.time):
        return local.isoformat(timespec="minutes")
    return local.isoformat()
