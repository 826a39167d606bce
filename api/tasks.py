"""Webhook deliveries as background work: `offer_webhooks` listens to the offers' events (the
"offer_event" topic, docs/ARCHITECTURE.md#background-work) and makes the deliveries;
`send_webhook` makes one attempt. Both only wrap api/webhooks.py."""

from django_tasks import task

from api import webhooks
from common import queue


@task()
def offer_webhooks(event_id: int) -> int:
    """Make and queue the deliveries of one offer event; how many were made."""
    return len(webhooks.deliveries_create(event_id=event_id))


@task()
def send_webhook(delivery_id: int) -> None:
    """One attempt to deliver; a failure queues the next one (with backoff) itself."""
    webhooks.delivery_send(delivery_id=delivery_id)


queue.register("send_webhook", send_webhook)
queue.subscribe("offer_event", offer_webhooks)
