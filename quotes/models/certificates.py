"""The distributor's signing certificates, every one ever used (docs/DOMAIN.md#verifying-an-offer):
an uploaded offer is ours when one of these signed it. Rows are added, never changed or
removed, so a key change never orphans the offers the old key signed."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from quotes.models.price_books import FrozenError


class SigningCertificate(models.Model):
    """A certificate the portal signed offers with (or found configured), recorded the first
    time it was met. Only the certificate: the private key never reaches the database."""

    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    subject = models.CharField(_("subject"), max_length=500)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    pem = models.TextField(_("certificate (PEM)"))
    recorded_at = models.DateTimeField(_("recorded at"))
    # Set the first time the portal signs an offer with it; empty for a certificate recorded
    # before use (a key being installed) or found configured (offers signed before recording).
    first_used_at = models.DateTimeField(_("first used at"), null=True, blank=True)

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("signing certificate")
        verbose_name_plural = _("signing certificates")

    def __str__(self) -> str:
        return f"{self.subject} ({self.fingerprint[:16]}…)"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise FrozenError("A recorded signing certificate never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise FrozenError("A recorded signing certificate is kept: the offers it signed "
                          "verify against it.")
