"""Throttle for log in and code attempts: counters in the cache with a cool-off.

Failures are counted per email and per client address in a sliding window;
past the limit the key is refused until the window passes. There is no
permanent lockout, so a stranger can at most delay a login by the cool-off.
"""

import hashlib

from django.core.cache import cache

WINDOW_SECONDS = 15 * 60
LIMITS = {"email": 8, "ip": 30}


def _key(kind, value):
    digest = hashlib.sha256(str(value).strip().lower().encode()).hexdigest()[:32]
    return f"portico:throttle:{kind}:{digest}"


def _keys(*, email, ip, scope):
    keys = []
    if email:
        keys.append(("email", _key(f"{scope}:email", email)))
    if ip:
        keys.append(("ip", _key(f"{scope}:ip", ip)))
    return keys


def is_blocked(*, email, ip, scope="login"):
    return any(
        cache.get(key, 0) >= LIMITS[kind]
        for kind, key in _keys(email=email, ip=ip, scope=scope)
    )


def record_failure(*, email, ip, scope="login"):
    for _kind, key in _keys(email=email, ip=ip, scope=scope):
        if cache.add(key, 1, WINDOW_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, WINDOW_SECONDS)


def reset(*, email, scope="login"):
    cache.delete(_key(f"{scope}:email", email))


def client_ip(request):
    return request.META.get("REMOTE_ADDR", "")
