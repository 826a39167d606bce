"""Queue the signed PDF of issued offers that have none (the database was gone while it was
being stored, so not even a retry could be queued). Run it now and then (`--every SECONDS`
keeps it running); `make run` and docker compose do."""

import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from quotes import services


class Command(BaseCommand):
    help = "Queue the PDF of every issued offer that has none."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0,
                            help="keep running, checking every this many seconds")

    def handle(self, *args, every=0, **options):
        while True:
            try:
                queued = services.quote_prepare_missing_pdfs()
            except DatabaseError as error:  # the database is away; try again next round
                self.stderr.write(f"Database unavailable: {error}")
                queued = []
            if queued or not every:
                self.stdout.write(f"Queued the PDF of {len(queued)} offers.")
            if not every:
                return
            time.sleep(every)
