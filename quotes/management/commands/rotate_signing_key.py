"""Change the distributor's signing key (docs/SECURITY.md#signing-keys-and-their-rotation).

First the outgoing key's certificate is recorded (only the certificate), so every offer it signed
keeps verifying on /verify/; then the new key's certificate is recorded too.

- Development (no --new-p12): a new self-signed key replaces the configured file.
- Production: --new-p12 PATH names the PKCS#12 file the distributor's CA issued, its passphrase
  in the environment variable SSA_NEW_SIGNING_PASSPHRASE (never on the command line). It is
  checked and recorded; then point SSA_SIGNING_P12 and SSA_SIGNING_PASSPHRASE at it and restart
  the portal and its workers.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from quotes import certificates, signing

NEW_KEY_VARIABLE = "SSA_NEW_SIGNING_PASSPHRASE"


class Command(BaseCommand):
    help = ("Change the signing key: record the outgoing certificate, then make (development) "
            "or install (production, --new-p12) the new key and record its certificate.")

    def add_arguments(self, parser):
        parser.add_argument("--new-p12", type=Path,
                            help="the new PKCS#12 file (production); its passphrase in "
                                 f"{NEW_KEY_VARIABLE}")

    def handle(self, *args, new_p12=None, **options):
        if new_p12 is None and settings.PRODUCTION:
            raise CommandError("In production install the key the distributor's CA issued: "
                               f"--new-p12 PATH, its passphrase in {NEW_KEY_VARIABLE}.")
        now = timezone.now()
        outgoing = certificates.record_configured(now=now)
        if outgoing is None:
            self.stderr.write("The configured key cannot be read, so its certificate was not "
                              "recorded now: offers it signed verify only if it was recorded "
                              "before (when it signed, or at start).")
        else:
            self.stdout.write(f"Outgoing certificate recorded: {outgoing.fingerprint}.")
        if new_p12 is None:
            path = Path(settings.SSA_SIGNING_P12)
            signing.write_development_key(path, organisation=settings.SSA_DISTRIBUTOR_NAME,
                                          now=now)
            new = self._open(None, None)
        else:
            passphrase = os.environ.get(NEW_KEY_VARIABLE)
            new = self._open(new_p12, passphrase.encode() if passphrase is not None else None)
        if outgoing is not None and signing.certificate_fingerprint(new) == outgoing.fingerprint:
            raise CommandError("The new key is the one configured now; nothing changed.")
        if new.not_valid_after <= now:
            raise CommandError(f"The new certificate expired on {new.not_valid_after:%Y-%m-%d}.")
        recorded = certificates.record(new, now=now)
        self.stdout.write(f"New certificate recorded: {recorded.subject}, "
                          f"SHA-256 {recorded.fingerprint}.")
        if new_p12 is None:
            self.stdout.write(self.style.SUCCESS(
                f"New offers are signed with the new key ({path})."))
        else:
            self.stdout.write(self.style.SUCCESS(
                f"Now set SSA_SIGNING_P12={new_p12} and SSA_SIGNING_PASSPHRASE to its passphrase "
                "for the portal and its workers, and restart them; until then the old key "
                "signs. Offers signed with either key verify."))

    @staticmethod
    def _open(path, passphrase):
        try:
            return signing.load_signer(path, passphrase).signing_cert
        except signing.SigningUnavailable as error:
            raise CommandError(error.message) from error
