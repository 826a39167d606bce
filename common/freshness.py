"""A version number per topic in the shared cache, moved on by every write that changes what
the topic's cached figures are computed from: a figure cached under the current version is
never stale, and nothing has to know which cached figures exist."""

from django.core.cache import cache
from django.db import transaction

INSTALLATIONS = "installations"  # holdings, agreement periods, deployments, owners, prices


def _key(topic: str) -> str:
    return f"freshness:{topic}"


def version(topic: str) -> int:
    return cache.get_or_set(_key(topic), 1, timeout=None)


def changed(topic: str) -> None:
    """Move the topic's version on once the current transaction commits (at once outside one).
    The write has committed by then: a cache that cannot be reached is logged, never turned
    into an error of the request that made the write."""
    def bump() -> None:
        try:
            cache.incr(_key(topic))
        except ValueError:  # not in the cache (evicted, or never read): any new value will do
            cache.set(_key(topic), 2, timeout=None)

    transaction.on_commit(bump, robust=True)
