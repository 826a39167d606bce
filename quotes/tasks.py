"""Background work through Django's tasks API (the django-tasks backport; the database backend
stores the queue, `manage.py db_worker` runs it). Each task only wraps a service; what to do on
failure (retries, their delays) is the service's decision."""

from django_tasks import task

from common import queue
from quotes.services import documents, renewals


@task()
def prepare_offer_pdf(quote_id: int) -> None:
    """Render, sign and store an issued offer's PDF (retried later by the service on failure)."""
    documents.quote_prepare_pdf_or_retry(quote_id=quote_id)


@task()
def renew(item_id: int) -> str:
    """One offer of a renewal batch; safe to run twice."""
    return renewals.renewal_item_run(item_id=item_id).status


@task()
def sweep_renewals() -> None:
    """Queue again the renewal items whose worker died; it schedules itself again while any
    item is pending."""
    renewals.renewal_sweep()


queue.register("prepare_offer_pdf", prepare_offer_pdf)
queue.register("renew", renew)
queue.register("sweep_renewals", sweep_renewals)
