"""Indexes for the offer list and the dashboard at 100,000 offers (docs/PERFORMANCE.md).

* ``quote_newest_first``: the list shows the newest offers first, 25 at a time; without it every
  page sorted all offers (0.3 s). ``quoteevent_newest_first`` and the partial
  ``quote_ready_to_issue`` do the same for the dashboard's recent activity and its drafts
  waiting to be issued (0.2 s each without them).
* On PostgreSQL, trigram indexes (the ``pg_trgm`` extension, trusted since PostgreSQL 13 so a
  database owner may create it) behind the search box: it matches any part of an offer's number
  or customer name (``icontains``), which no B-tree index can serve (0.6 s per search). SQLite,
  the one-person default, searches without them.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

# The expressions are exactly those Django's icontains compares: UPPER("column"::text).
SEARCH_INDEXES = {
    "quote_search_number": ("quotes_quote", "number"),
    "quote_search_customer_name": ("quotes_quote", "customer_name"),
    "customer_search_name": ("customers_customer", "name"),
}


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, column) in SEARCH_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)')


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in SEARCH_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0004_installation_paid_until"),
        ("quotes", "0006_widen_offer_figures"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="quote",
            index=models.Index(fields=["-created_at", "-id"], name="quote_newest_first"),
        ),
        migrations.AddIndex(
            model_name="quote",
            index=models.Index(condition=models.Q(("ready_to_issue", True), ("state", "draft")),
                               fields=["created_at"], name="quote_ready_to_issue"),
        ),
        migrations.AddIndex(
            model_name="quoteevent",
            index=models.Index(fields=["-at", "-id"], name="quoteevent_newest_first"),
        ),
        TrigramExtension(),
        migrations.RunPython(create_search_indexes, drop_search_indexes),
    ]
