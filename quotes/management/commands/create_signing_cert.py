"""A self-signed development certificate for signing offers, written into the data folder.

Production keys come from the distributor's CA; set SSA_SIGNING_P12 and SSA_SIGNING_PASSPHRASE.
"""

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quotes.signing import passphrase_file


def build_p12(*, organisation: str, passphrase: bytes, now: datetime) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "NO"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} offer signing (development)"),
    ])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * 10))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"offer-signing", key, certificate, None,
        serialization.BestAvailableEncryption(passphrase))


class Command(BaseCommand):
    help = "Write a self-signed development signing certificate (PKCS#12) into the data folder."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="replace an existing key")
        parser.add_argument("--if-missing", action="store_true",
                            help="do nothing when the key exists (for make run)")

    def handle(self, *args, force=False, if_missing=False, **options):
        path = Path(settings.SSA_SIGNING_P12)
        if path.exists() and not force:
            if if_missing:
                return
            raise CommandError(f"{path} exists; use --force to replace it (offers signed with "
                               "the old key will no longer verify).")
        given = settings.SSA_SIGNING_PASSPHRASE
        passphrase = given if given is not None else secrets.token_urlsafe(24)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(build_p12(organisation=settings.SSA_DISTRIBUTOR_NAME,
                                   passphrase=passphrase.encode(), now=datetime.now(UTC)))
        path.chmod(0o600)
        if given is None:
            beside = passphrase_file(path)
            beside.write_text(passphrase)
            beside.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(f"Development signing key written to {path}."))
