"""Throttles: log in attempts (through django-axes) and codes.

Log in
------
django-axes watches every call of django.contrib.auth.authenticate(): its
backend (LoginThrottleBackend, first in AUTHENTICATION_BACKENDS) refuses a
locked-out attempt before any password is checked, and its signal handlers
count failures. So the portal login, the admin login and the acceptance of a
guardian invite by an existing login share one set of counters. Axes brings
the backend, the signals, the client address hook, the username hook, the
cool-off hook and the lock-out response hook; LoginThrottleHandler below
holds Portico's rules, which axes' own cache handler cannot express (it
compares every counter against a single limit and keeps a fixed cool-off):

- per email and client address together: AXES_FAILURE_LIMIT failures are
  free, then each further failure locks that pair for a cool-off that doubles
  (login_cool_off: 1, 2, 4 ... minutes, at most an hour). The same email from
  any other address is not affected, so an attacker never locks out the
  owner;
- per client address alone: a much higher ceiling (LOGIN_ADDRESS_LIMIT
  failures within an hour of each other), for one address trying many
  emails.

Counters live in the default cache, which must be shared by every worker
process (Redis in production; see cms/settings/production.py).

The client address is REMOTE_ADDR unless PORTICO_CLIENT_IP_HEADER names the
header a trusted proxy sets; a header sent by the client itself is ignored
otherwise.
"""

import datetime
import hashlib
import ipaddress

from axes.backends import AxesStandaloneBackend
from axes.handlers.base import AbstractAxesHandler, AxesBaseHandler
from axes.helpers import get_cache, get_cool_off, get_failure_limit
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.http import HttpResponse

from .errors import MESSAGES

LOGIN_FIRST_COOLOFF = datetime.timedelta(minutes=1)
LOGIN_LONGEST_COOLOFF = datetime.timedelta(hours=1)
LOGIN_PAIR_MEMORY = datetime.timedelta(hours=24)
LOGIN_ADDRESS_LIMIT = 100
LOGIN_ADDRESS_WINDOW = datetime.timedelta(hours=1)


def _digest(*parts):
    text = "\n".join(str(part or "").strip().lower() for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# Client address ---------------------------------------------------------------


def _meta_name(header):
    name = header.strip().upper().replace("-", "_")
    if name in ("REMOTE_ADDR",) or name.startswith("HTTP_"):
        return name
    return f"HTTP_{name}"


def client_ip(request) -> str:
    """The client's address (AXES_CLIENT_IP_CALLABLE).

    With PORTICO_CLIENT_IP_HEADER set (e.g. "X-Forwarded-For"), the address is
    read from that header, counting PORTICO_TRUSTED_PROXIES entries from its
    right end: each trusted proxy appends the address it was connected from,
    and anything further left was written by the client and is not trusted.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    header = getattr(settings, "PORTICO_CLIENT_IP_HEADER", "")
    if not header:
        return remote
    hops = [
        hop.strip()
        for hop in request.META.get(_meta_name(header), "").split(",")
        if hop.strip()
    ]
    if not hops:
        return remote
    proxies = max(1, int(getattr(settings, "PORTICO_TRUSTED_PROXIES", 1)))
    candidate = hops[-proxies] if len(hops) >= proxies else hops[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


# Log in (django-axes) -----------------------------------------------------------


def login_username(request, credentials=None) -> str:
    """The email an attempt was for (AXES_USERNAME_CALLABLE), from the
    credentials given to authenticate() (portal: email=, admin: username=) or
    else from the posted form."""
    data = credentials or {}
    value = data.get("email") or data.get("username")
    if not value and request is not None:
        value = request.POST.get("email") or request.POST.get("username")
    return (value or "").strip().lower()


def login_cool_off(request=None) -> datetime.timedelta:
    """How long an email + address pair stays locked (AXES_COOLOFF_TIME): one
    minute at the first lock-out, doubling with every further failure."""
    limit = get_failure_limit(request, None)
    failures = getattr(request, "axes_failures_since_start", None) or limit
    beyond = min(max(0, failures - limit), 12)
    return min(LOGIN_FIRST_COOLOFF * 2**beyond, LOGIN_LONGEST_COOLOFF)


def login_refused(request, email) -> None:
    """Count a refusal of a correct password (no family here, not staff) as a
    failed attempt, so it looks and throttles exactly like a wrong one."""
    user_login_failed.send(
        sender=__name__, credentials={"email": email}, request=request
    )


def locked_out(request) -> bool:
    """Did the throttle refuse (or just lock) this request's log in?"""
    return bool(getattr(request, "axes_locked_out", False))


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the view has already put the lock-out message in
    its form; keep that page and answer 429 Too Many Requests."""
    if original_response is None:
        return HttpResponse(str(MESSAGES["throttled"]), status=429)
    if original_response.status_code == 200:
        original_response.status_code = 429
    return original_response


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' lock-out check, first in AUTHENTICATION_BACKENDS.

    A call without a request cannot be tied to an address; only Django's test
    client (Client.login) makes one, and Portico's views always pass theirs.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class LoginThrottleHandler(AbstractAxesHandler, AxesBaseHandler):
    """AXES_HANDLER: Portico's log in rules on the shared cache (see above)."""

    def __init__(self):
        self.cache = get_cache()

    @staticmethod
    def _pair_keys(username, ip):
        digest = _digest(username, ip)
        return f"portico:login:pair:{digest}", f"portico:login:lock:{digest}"

    @staticmethod
    def _address_key(ip):
        return f"portico:login:address:{_digest(ip)}"

    def _count(self, key, lifetime):
        timeout = int(lifetime.total_seconds())
        if self.cache.add(key, 1, timeout):
            return 1
        try:
            count = self.cache.incr(key)
        except ValueError:  # expired between add() and incr()
            self.cache.set(key, 1, timeout)
            return 1
        self.cache.touch(key, timeout)
        return count

    def get_failures(self, request, credentials=None) -> int:
        pair, _lock = self._pair_keys(
            login_username(request, credentials), request.axes_ip_address
        )
        return self.cache.get(pair, 0)

    def is_locked(self, request, credentials=None) -> bool:
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        ip = request.axes_ip_address
        _pair, lock = self._pair_keys(login_username(request, credentials), ip)
        return (
            self.cache.get(lock) is not None
            or self.cache.get(self._address_key(ip), 0) >= LOGIN_ADDRESS_LIMIT
        )

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is None or self.is_whitelisted(request, credentials):
            return
        username = login_username(request, credentials)
        ip = request.axes_ip_address
        pair, lock = self._pair_keys(username, ip)
        failures = self._count(pair, LOGIN_PAIR_MEMORY)
        self._count(self._address_key(ip), LOGIN_ADDRESS_WINDOW)
        request.axes_failures_since_start = failures
        if failures >= get_failure_limit(request, credentials):
            cool_off = get_cool_off(request)
            self.cache.set(lock, failures, int(cool_off.total_seconds()))
        if self.is_locked(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes", request=request, username=username, ip_address=ip
            )

    def user_logged_in(self, sender, request, user, **kwargs):
        if settings.AXES_RESET_ON_SUCCESS:
            self.cache.delete_many(
                self._pair_keys(user.get_username(), request.axes_ip_address)
            )

    def user_logged_out(self, sender, request, user, **kwargs):
        pass

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False):
        """For axes' reset commands: an email + address pair, or an address."""
        keys = []
        if username is not None:
            keys.extend(self._pair_keys(username, ip_address))
        elif ip_address is not None:
            keys.append(self._address_key(ip_address))
        self.cache.delete_many(keys)
        return len(keys)


# Codes -------------------------------------------------------------------------
#
# Issuing a code (or a reset link) e-mails someone, and a code can be guessed:
# both are limited per email and per client address within a window, across
# codes, so asking for a new code never resets the guessing budget (each code
# also allows only CODE_MAX_ATTEMPTS tries, see services.py). Hand-written:
# axes only watches authenticate().

CODE_LIMITS = {
    # kind: (per email, per address) within CODE_WINDOW
    "issue": (5, 30),
    "guess": (10, 50),
}
CODE_WINDOW = datetime.timedelta(hours=1)


def _code_keys(kind, *, email, ip):
    per_email, per_address = CODE_LIMITS[kind]
    keys = []
    if email:
        keys.append((f"portico:code:{kind}:email:{_digest(email)}", per_email))
    if ip:
        keys.append((f"portico:code:{kind}:address:{_digest(ip)}", per_address))
    return keys


def code_allowed(kind, *, email, ip) -> bool:
    """Is this email, from this address, still within its `kind` budget?"""
    return all(
        cache.get(key, 0) < limit for key, limit in _code_keys(kind, email=email, ip=ip)
    )


def code_count(kind, *, email, ip) -> None:
    """Spend one of the `kind` budget of the email and of the address."""
    timeout = int(CODE_WINDOW.total_seconds())
    for key, _limit in _code_keys(kind, email=email, ip=ip):
        if cache.add(key, 1, timeout):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout)
