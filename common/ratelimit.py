"""Fixed-window rate limits, counted in the shared cache so that every process counts together
(docs/SECURITY.md#rate-limits). Callers key them on `common.clients.client_ip`, a user or an
address asked for."""

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` events per key in each window of `window` seconds (windows start at
    multiples of `window` since the epoch)."""

    scope: str
    limit: int
    window: int

    def _cache_key(self, key: str) -> str:
        window_start = int(time.time()) // self.window
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # no addresses in cache keys
        return f"ratelimit:{self.scope}:{window_start}:{digest}"

    def used(self, key: str) -> int:
        """How many events `key` had in the current window (without counting one)."""
        return cache.get(self._cache_key(key), 0)

    def hit(self, key: str) -> bool:
        """Count one event for `key`; False once the window holds more than `limit`.

        Redis counts atomically; the database cache's increment is a read then a write, so two
        simultaneous events may count once."""
        cache_key = self._cache_key(key)
        if cache.add(cache_key, 1, timeout=self.window):
            return self.limit >= 1
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between the two calls
            cache.set(cache_key, 1, timeout=self.window)
            return self.limit >= 1
        # The database cache stores the new count with its default timeout: keep the window's.
        cache.touch(cache_key, self.window)
        return count <= self.limit
