"""The distributor's signing certificates ever used (docs/DOMAIN.md#verifying-an-offer): each is
recorded the first time the portal signs with it, meets it as the configured key's, or installs
it (`manage.py rotate_signing_key`); verification trusts exactly these, and so never needs the
private key, and offers signed before a key change keep verifying."""

from asn1crypto import pem

from quotes import signing
from quotes.models import SigningCertificate


def record(certificate, *, now, used: bool = False) -> SigningCertificate:
    """Record `certificate` (an asn1crypto certificate) unless it is known; `used` notes that
    the portal has just signed with it (the first such moment is kept)."""
    fingerprint = signing.certificate_fingerprint(certificate)
    recorded, _created = SigningCertificate.objects.get_or_create(
        fingerprint=fingerprint, defaults={
            "subject": certificate.subject.human_friendly[:500],
            "not_before": certificate.not_valid_before,
            "not_after": certificate.not_valid_after,
            "pem": pem.armor("CERTIFICATE", certificate.dump()).decode("ascii"),
            "recorded_at": now,
            "first_used_at": now if used else None,
        })
    if used and recorded.first_used_at is None:
        SigningCertificate.objects.filter(pk=recorded.pk, first_used_at__isnull=True).update(
            first_used_at=now)
        recorded.refresh_from_db(fields=["first_used_at"])
    return recorded


def record_configured(*, now) -> SigningCertificate | None:
    """Record the configured key's certificate; None when the key cannot be read."""
    certificate = signing.configured_certificate()
    return record(certificate, now=now) if certificate is not None else None


def is_ours(fingerprint: str, *, now) -> bool:
    """Did the distributor sign with the certificate of this fingerprint? One that was never
    recorded counts when it is the configured key's: offers signed before certificates were
    recorded verify while that key is configured, and from the first time one is checked (the
    certificate is recorded then) whatever key is configured later."""
    if SigningCertificate.objects.filter(fingerprint=fingerprint).exists():
        return True
    configured = signing.configured_certificate()
    if configured is None or signing.certificate_fingerprint(configured) != fingerprint:
        return False
    record(configured, now=now)
    return True
