from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"

    def ready(self) -> None:
        # SQLite learns SSA_UNACCENT on every new connection (common/search.py).
        from common import search  # noqa: F401
