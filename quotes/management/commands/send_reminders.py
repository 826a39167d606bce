"""`manage.py send_reminders`: the daily reminders and the expiries on the offers' timelines
(docs/DOMAIN.md#notifications-and-reminders). Idempotent: run it as often as you like, each
reminder goes out once. `--every SECONDS` keeps it running (the compose `scheduler` service and
`make run` do, daily); `--date YYYY-MM-DD` runs it as of another day."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from quotes import services


class Command(BaseCommand):
    help = "Send the reminders due today (each at most once) and record expired offers."

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="as_of",
                            help="as of this day (YYYY-MM-DD), default today")
        parser.add_argument("--every", type=int, default=0,
                            help="keep running, once every this many seconds")

    def handle(self, *args, as_of=None, every=0, **options):
        try:
            day = _parse(as_of)
        except ValueError as error:
            raise CommandError(f"--date: {error}") from None
        while True:
            try:
                sent = services.reminders_send(today=day or timezone.localdate())
            except DatabaseError as error:  # the database is away; try again next round
                self.stderr.write(f"Database unavailable: {error}")
            else:
                self.stdout.write(f"Expired offers recorded: {sent.expired}; reminders queued: "
                                  f"{sent.expiring} before expiry, {sent.paid_until} before "
                                  f"paid-until.")
            if not every:
                return
            time.sleep(every)


def _parse(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
