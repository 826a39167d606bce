"""Template filters for money, SSC, factors and percentages (common/formatting.py) and the
pricing engine's texts in the reader's language."""

from django import template
from django.utils.translation import gettext

from common import formatting

register = template.Library()

register.filter("nok", formatting.format_nok)
register.filter("ssc", formatting.format_ssc)
register.filter("factor", formatting.format_factor)
register.filter("percent", formatting.format_percent)


@register.filter
def engine_text(text):
    """The pricing engine's English texts in the reader's language."""
    return gettext(text) if text else ""
