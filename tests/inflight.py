"""Counts the requests the live server is answering (test settings only).

A browser test can end while its page still has a request in flight, such as
the Wagtail editor's editing-session ping. If the database is flushed for the
next test at that moment, SQLite answers "database table is locked" and that
test and the next one fail for nothing they did. The browser tests' teardown
waits until this count is back to zero before the flush.
"""

import threading
import time

_lock = threading.Lock()
_in_flight = 0


def in_flight() -> int:
    return _in_flight


def wait_until_idle(timeout: float = 10.0) -> bool:
    """True once no request has been in flight for two checks in a row."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        quiet = quiet + 1 if _in_flight == 0 else 0
        if quiet >= 2:
            return True
        time.sleep(0.05)
    return False


class InFlightMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        global _in_flight
        with _lock:
            _in_flight += 1
        try:
            return self.get_response(request)
        finally:
            with _lock:
                _in_flight -= 1
