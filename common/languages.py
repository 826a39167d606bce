"""The portal's languages, once: Norwegian bokmål first, English for English-speaking customers
and staff. Settings, models and forms take their choices from here."""

from django.utils.translation import gettext_lazy as _

DEFAULT_LANGUAGE = "nb"
LANGUAGE_CHOICES = [("nb", _("Norwegian bokmål")), ("en", _("English"))]


def offer_language(code: str | None) -> str:
    """The language a document is written in: English when asked for, else bokmål."""
    return "en" if (code or "").startswith("en") else DEFAULT_LANGUAGE
