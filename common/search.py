"""Accent-insensitive search, the same on PostgreSQL and SQLite (docs/ARCHITECTURE.md#search).

`Folded(expression)` is the SQL function SSA_UNACCENT: on PostgreSQL an IMMUTABLE wrapper round
the `unaccent` extension (migration customers.0007, which also indexes it for trigram search);
on SQLite the Python function `fold` below, registered on every connection. A search compares
the folded column with the folded query, so "baerum" finds "Bærum" and "Bærum" finds
"Baerum" on both databases.
"""

import unicodedata

from django.db.backends.signals import connection_created
from django.db.models import CharField, Func, Q, Value
from django.db.models.lookups import IContains

# Letters that Unicode does not decompose into a base letter and a mark, folded as
# PostgreSQL's unaccent.rules folds them.
_LETTERS = str.maketrans({"æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d",
                          "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ł": "l",
                          "Ł": "L", "œ": "oe", "Œ": "OE", "ı": "i", "ħ": "h", "Ħ": "H"})


def fold(text: str | None) -> str | None:
    """`text` without accents: "Bærum Kommunale Eiendom" → "Baerum Kommunale Eiendom"."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class Folded(Func):
    function = "SSA_UNACCENT"
    output_field = CharField()


def folded_contains(field: str, text: str) -> Q:
    """`field` contains `text`, ignoring case and accents (a Q for filter())."""
    return Q(IContains(Folded(field), Folded(Value(text))))


def compact(text: str) -> str:
    """A MAC address or serial number without separators: 00:90:33:AA → 009033AA."""
    return "".join(ch for ch in text if ch.isalnum()).upper()


def _register_sqlite_function(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("SSA_UNACCENT", 1, fold, deterministic=True)


connection_created.connect(_register_sqlite_function,
                           dispatch_uid="common.search.sqlite_unaccent")
