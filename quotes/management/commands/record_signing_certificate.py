"""Record the configured signing key's certificate among the distributor's certificates (only
the certificate; docs/SECURITY.md#signing-keys-and-their-rotation). `make run` and docker compose
run it at start, so offers signed before certificates were recorded keep verifying after a key
change. Harmless to run again; a key that cannot be read is reported, not fatal (the portal
still verifies against the certificates already recorded)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from quotes import certificates


class Command(BaseCommand):
    help = "Record the configured signing key's certificate (run at start; idempotent)."

    def handle(self, *args, verbosity=1, **options):
        recorded = certificates.record_configured(now=timezone.now())
        if recorded is None:
            self.stderr.write("The configured signing key cannot be read; nothing recorded. "
                              "Offers cannot be issued until it can.")
            return
        if verbosity:
            self.stdout.write(f"Signing certificate recorded: {recorded.subject}, "
                              f"SHA-256 {recorded.fingerprint}.")
