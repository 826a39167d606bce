from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotesConfig(AppConfig):
    name = "quotes"
    verbose_name = _("Offers and price books")

    def ready(self) -> None:
        # The background tasks register themselves with common.queue, which services enqueue by.
        from quotes import tasks  # noqa: F401
