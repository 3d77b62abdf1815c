"""One-time form tokens: a form submitted twice does its work once.

The form carries a random token. The first POST with it claims the token and
records what it made; any other POST with the same token waits for that and
answers with it. The claim is an atomic `cache.add` (shared by every worker
when the cache is Redis): the session cannot serve here, because two
overlapping requests both read it before either has saved it.
"""

import secrets
import time

from django.core.cache import cache

FIELD = "form_token"
PENDING = "pending"
KEEP_SECONDS = 60 * 60
WAIT_SECONDS = 15


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Submission:
    """One form's submission with `token`, by one owner (e.g. a family)."""

    def __init__(self, *, purpose: str, owner: str, token: str):
        self.key = f"portico:once:{purpose}:{owner}:{token}"

    def claim(self):
        """(True, None) when this request is to do the work; (False, result)
        when an earlier request with the same token did it, waiting for it to
        finish; (False, None) when it is still running after the wait."""
        for _attempt in range(3):
            if cache.add(self.key, PENDING, KEEP_SECONDS):
                return True, None
            result = self._wait()
            if result != PENDING and result is not None:
                return False, result
            if result == PENDING:
                return False, None
            # The earlier request failed and released the token: try again.
        return False, None

    def done(self, result) -> None:
        cache.set(self.key, result, KEEP_SECONDS)

    def release(self) -> None:
        """The work failed: the same token may try again."""
        cache.delete(self.key)

    def _wait(self):
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            value = cache.get(self.key)
            if value != PENDING or time.monotonic() >= deadline:
                return value
            time.sleep(0.1)
