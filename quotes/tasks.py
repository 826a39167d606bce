"""Background work through Django's tasks API (the django-tasks backport; the database backend
stores the queue, `manage.py db_worker` runs it)."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from quotes import services

PDF_RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                    timedelta(hours=2), timedelta(hours=8))


@task()
def prepare_offer_pdf(quote_id: int) -> None:
    """Render, sign and store an issued offer's PDF; on failure try again later, a few times."""
    outcome = services.quote_prepare_pdf(quote_id=quote_id)
    if outcome.failed:
        schedule_pdf_retry(quote_id, attempts=outcome.attempts)


def schedule_pdf_retry(quote_id: int, *, attempts: int) -> bool:
    if attempts > len(PDF_RETRY_DELAYS):
        return False  # the offer page shows the last error; staff can retry by hand
    delay = PDF_RETRY_DELAYS[attempts - 1]
    prepare_offer_pdf.using(run_after=timezone.now() + delay).enqueue(quote_id)
    return True


@task()
def renew_installation(item_id: int) -> str:
    """One installation of a renewal batch; safe to run twice."""
    return services.renewal_item_run(item_id=item_id).status
