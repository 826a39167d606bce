"""A self-signed development certificate for signing offers, written into the data folder.

Production keys come from the distributor's CA; set SSA_SIGNING_P12 and SSA_SIGNING_PASSPHRASE.
A key in use is replaced with `manage.py rotate_signing_key`, which keeps the offers the old key
signed verifying (docs/SECURITY.md#signing-keys-and-their-rotation).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from quotes.signing import write_development_key


class Command(BaseCommand):
    help = "Write a self-signed development signing certificate (PKCS#12) into the data folder."

    def add_arguments(self, parser):
        parser.add_argument("--if-missing", action="store_true",
                            help="do nothing when the key exists (for make run)")

    def handle(self, *args, if_missing=False, **options):
        path = Path(settings.SSA_SIGNING_P12)
        if path.exists():
            if if_missing:
                return
            raise CommandError(f"{path} exists. To replace it, run manage.py rotate_signing_key: "
                               "it records the old certificate so that the offers it signed "
                               "keep verifying.")
        write_development_key(path, organisation=settings.SSA_DISTRIBUTOR_NAME,
                              now=timezone.now())
        self.stdout.write(self.style.SUCCESS(f"Development signing key written to {path}."))
