from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"

    def ready(self) -> None:
        # The production configuration's system checks register themselves on import.
        from common import checks  # noqa: F401
