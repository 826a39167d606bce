"""Who the change history records as the author of a save (django-simple-history takes the
signed-in user of the current request; docs/ARCHITECTURE.md#change-history)."""

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from simple_history.models import HistoricalRecords


@contextmanager
def changes_made_by(user) -> Iterator[None]:
    """Background work done for `user` (a CSV import run by the worker) is recorded as theirs,
    as it would be had they waited for it in the browser."""
    context = HistoricalRecords.context
    previous = getattr(context, "request", None)
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if previous is None:
            del context.request
        else:
            context.request = previous
