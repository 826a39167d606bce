"""What the offer's QR code links to, and (later in this module) checking an offer PDF."""

from django.conf import settings
from django.urls import reverse


def verification_url(quote) -> str:
    """The public link printed on the offer: an unguessable token, never the offer number."""
    path = reverse("verify_link", args=[quote.verification_token])
    return settings.SSA_PUBLIC_BASE_URL.rstrip("/") + path
