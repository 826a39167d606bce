from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_table(sender, using="default", **kwargs):
    """Every `migrate` makes the database cache's table if it is missing (the embedded default
    cache, ssa_portal/settings.py), as it makes the models' tables: no start command, script or
    test setup has to remember `createcachetable`. Nothing happens for Redis."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class CommonConfig(AppConfig):
    name = "common"

    def ready(self) -> None:
        # The production configuration's system checks register themselves on import.
        from common import checks  # noqa: F401

        post_migrate.connect(create_cache_table, dispatch_uid="ssa_create_cache_table")
        # SQLite learns SSA_UNACCENT on every new connection (common/search.py).
        from common import search  # noqa: F401
