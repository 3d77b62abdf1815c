"""Template filters for money, dates and times, built on portal.formatting.

    {% load portico %}
    {{ klass.tuition|money:organization.currency }}          $88.00
    {{ meeting.starts_at|local_time:meeting.location }}      5:00 PM
    {{ meeting.starts_at|local_day:meeting.location }}       Mon, Mar 9
    {{ event.start_date|local_date }}                        Mar 9, 2026
    {{ day.starts_at|local_full_date:event.location }}       Monday, March 9, 2026
    {{ klass.registration_opens_at|local_datetime:klass.location }}
                                                             Mar 9, 2026, 9:00 AM
    <time datetime="{{ m.starts_at|iso:m.location }}">       2026-03-09T17:00:00-05:00

The argument after a date or time filter is where the moment is seen: a
Location, or a zone name. Plain dates and times of day need none; an aware
datetime without one is an error, never silently shown in UTC. Empty values
(None, "") give an empty string.
"""

from django import template

from portal import formatting

register = template.Library()


def _empty(value):
    return value is None or value == ""


@register.filter
def money(amount, currency):
    if _empty(amount):
        return ""
    return formatting.format_money(amount, currency)


@register.filter
def local_time(value, where=None):
    if _empty(value):
        return ""
    return formatting.format_time(value, where)


@register.filter
def local_date(value, where=None):
    if _empty(value):
        return ""
    return formatting.format_date(value, where)


@register.filter
def local_day(value, where=None):
    if _empty(value):
        return ""
    return formatting.format_date(value, where, style="day")


@register.filter
def local_full_date(value, where=None):
    if _empty(value):
        return ""
    return formatting.format_date(value, where, style="full")


@register.filter
def local_datetime(value, where=None):
    if _empty(value):
        return ""
    return formatting.format_datetime(value, where)


@register.filter
def iso(value, where=None):
    if _empty(value):
        return ""
    return formatting.format_iso(value, where)
