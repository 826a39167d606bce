"""Background work through Django's tasks API (the django-tasks backport; the database backend
stores the queue, `manage.py db_worker` runs it). Each task only wraps a service; what to do on
failure (retries, their delays) is the service's decision."""

from django_tasks import task

from common import queue
from quotes.services import documents, messages, notifications, renewals


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


@task()
def deliver_email(email_id: int) -> str:
    """Send one stored e-mail; the service queues its retries."""
    return messages.email_deliver(email_id=email_id).status


@task()
def notify_offer_event(event_id: int) -> int:
    """The notifications one offer event calls for."""
    return len(notifications.offer_event_notify(event_id=event_id))


queue.register("prepare_offer_pdf", prepare_offer_pdf)
queue.register("deliver_email", deliver_email)
queue.subscribe("offer_event", notify_offer_event)
queue.register("renew", renew)
queue.register("sweep_renewals", sweep_renewals)
