"""The rows the data migrations make (role groups, license catalogue, firmware releases, the
default price book), put back after a transactional test's flush.

Browser tests need a transactional database (the live server runs in another thread), and
Django's serialized rollback does not survive the live server's use of the in-memory SQLite
connection, so these tests restore the reference data themselves, with the migrations' own
functions.
"""

import importlib

from django.apps import apps

SEEDS = [
    ("customers.migrations.0002_create_role_groups", "create_groups"),
    ("customers.migrations.0003_seed_license_catalogue_and_firmware", "seed"),
    ("quotes.migrations.0002_default_price_book", "create_default_book"),
]


def restore_reference_data() -> None:
    from customers.apps import grant_role_permissions

    for module, function in SEEDS:
        getattr(importlib.import_module(module), function)(apps, None)
    grant_role_permissions(sender=None)
