"""{{ item.expires_at|time_left }} -> "14:59": minutes and seconds until a
hold expires ("0:00" once it has). static/js/cart.js keeps it counting."""

import math

from django import template
from django.utils import timezone

register = template.Library()


def minutes_seconds(seconds):
    seconds = max(math.ceil(seconds), 0)
    return f"{seconds // 60}:{seconds % 60:02d}"


@register.filter
def time_left(expires_at, now=None):
    if not expires_at:
        return ""
    return minutes_seconds((expires_at - (now or timezone.now())).total_seconds())
