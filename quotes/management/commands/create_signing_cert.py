"""A self-signed development certificate for signing offers, written into the data folder.

Production keys come from the distributor's CA; set SSA_SIGNING_P12 and SSA_SIGNING_PASSPHRASE.
"""

import secrets
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quotes.signing import build_p12, passphrase_file


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
