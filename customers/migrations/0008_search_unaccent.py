"""Accent-insensitive search (common/search.py): on PostgreSQL the `unaccent` extension (trusted
since PostgreSQL 13, so a database owner may create it), an IMMUTABLE wrapper SSA_UNACCENT that
an index may use, and trigram indexes on the folded names of customers and installations, the
expressions exactly those Django's icontains compares. SQLite gets SSA_UNACCENT from Python on
every connection and needs nothing here."""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

INDEXES = {
    "customer_search_folded_name": ("customers_customer", "name"),
    "installation_search_folded_name": ("customers_installation", "name"),
}


def create_function_and_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                       "ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'")
        schema = cursor.fetchone()[0]
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION ssa_unaccent(text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS "
        f"$$ SELECT \"{schema}\".unaccent('\"{schema}\".unaccent'::regdictionary, $1) $$")
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin ((UPPER(ssa_unaccent("{column}")::text)) gin_trgm_ops)')


def drop_function_and_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS ssa_unaccent(text)")


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0007_constraint_messages"),
        ("quotes", "0007_quote_list_indexes"),  # pg_trgm
    ]

    operations = [
        UnaccentExtension(),
        migrations.RunPython(create_function_and_indexes, drop_function_and_indexes),
    ]
