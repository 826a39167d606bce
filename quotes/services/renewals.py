"""Every write of a renewal campaign (docs/DOMAIN.md#renewals): batches of renewal offers made
in the background, one task per item."""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError
from customers.access import is_distributor_staff, reseller_of
from customers.models import Installation
from quotes import queue
from quotes.models import RenewalBatch, RenewalItem
from quotes.services.offers import quote_create, quote_issue, quote_mark_ready


@dataclass(frozen=True)
class BatchCreated:
    batch: RenewalBatch
    added: int
    already_in_a_batch: int


@transaction.atomic
def renewal_batch_create(*, user: User, installations: list[Installation],
                         window_end: date) -> BatchCreated:
    """A batch renewing `installations` for the window ending `window_end`: staff issue offers,
    a reseller makes drafts marked ready to issue. Installations already renewed for this window
    (by any batch) are left out, so a batch run twice creates nothing new. The work runs as one
    background task per installation once this transaction commits."""
    staff = is_distributor_staff(user)
    own = reseller_of(user)
    if not staff and own is None:
        raise DomainError(_("Your user belongs to no reseller; ask the distributor."))
    if not installations:
        raise DomainError(_("Choose at least one installation."))
    if not staff and any(i.customer.reseller_id != own.pk for i in installations):
        raise DomainError(_("A reseller renews only its own customers' installations."))
    batch = RenewalBatch.objects.create(
        window_end=window_end, created_by=user, reseller=None if staff else own,
        mode=RenewalBatch.Mode.ISSUE if staff else RenewalBatch.Mode.DRAFT)
    taken = set(RenewalItem.objects.filter(
        window_end=window_end, installation__in=installations).values_list(
        "installation_id", flat=True))
    fresh = [i for i in installations if i.pk not in taken]
    RenewalItem.objects.bulk_create(
        [RenewalItem(batch=batch, installation=i, window_end=window_end) for i in fresh],
        ignore_conflicts=True)  # a concurrent batch may have taken one meanwhile
    item_ids = list(batch.items.values_list("pk", flat=True))
    transaction.on_commit(lambda: _enqueue_renewals(item_ids))
    return BatchCreated(batch, added=len(item_ids),
                        already_in_a_batch=len(installations) - len(item_ids))


def _enqueue_renewals(item_ids: list[int]) -> None:
    for item_id in item_ids:
        queue.enqueue("renew_installation", item_id)


def renewal_item_run(*, item_id: int, today: date | None = None) -> RenewalItem:
    """Renew one installation of a batch: idempotent, so a retried or repeated task never makes
    a second offer. Refusals (nothing due, no price book, …) are recorded on the item."""
    today = today or timezone.localdate()
    with transaction.atomic():
        item = RenewalItem.objects.select_for_update(of=("self",)).select_related(
            "batch", "batch__created_by", "installation__customer").get(pk=item_id)
        if item.status != RenewalItem.Status.PENDING:
            return item
        batch, installation = item.batch, item.installation
        try:
            with transaction.atomic():
                quote = quote_create(customer=installation.customer,
                                     installations=[installation], user=batch.created_by)
                if batch.mode == RenewalBatch.Mode.ISSUE:
                    quote = quote_issue(quote=quote, user=batch.created_by, today=today)
                else:
                    quote = quote_mark_ready(quote=quote, user=batch.created_by)
        except DomainError as error:
            item.status, item.error = RenewalItem.Status.FAILED, error.message[:500]
        else:
            item.status, item.quote = RenewalItem.Status.DONE, quote
        item.finished_at = timezone.now()
        item.save(update_fields=["status", "quote", "error", "finished_at"])
    return item


@transaction.atomic
def renewal_batch_retry_failed(*, batch: RenewalBatch, user: User) -> int:
    """Put the failed installations of a batch back in the queue (after the cause is fixed)."""
    failed = list(batch.items.filter(status=RenewalItem.Status.FAILED).values_list("pk",
                                                                                   flat=True))
    batch.items.filter(pk__in=failed).update(status=RenewalItem.Status.PENDING, error="",
                                             finished_at=None)
    transaction.on_commit(lambda: _enqueue_renewals(failed))
    return len(failed)
