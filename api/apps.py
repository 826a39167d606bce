from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API and webhooks")

    def ready(self) -> None:
        # The webhook tasks subscribe to the offers' events and register themselves with
        # common.queue (docs/API.md#webhooks), as quotes/apps.py does for its tasks.
        from api import tasks  # noqa: F401
