"""`manage.py sweep_renewals`: queue again the renewal items whose worker died. The background
tasks sweep by themselves while a batch is unfinished; this command is for a scheduler (cron)
or by hand, e.g. after every worker was restarted."""

from django.core.management.base import BaseCommand

from quotes import services


class Command(BaseCommand):
    help = "Queue again the renewal items whose worker died (after the item timeout)."

    def handle(self, *args, **options):
        swept = services.renewal_sweep()
        self.stdout.write(f"Queued again: {len(swept.queued_again)}; "
                          f"given up: {len(swept.given_up)}.")
