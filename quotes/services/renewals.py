"""Every write of a renewal campaign (docs/DOMAIN.md#renewals).

A batch renews installations for a window `W` (a 1 July): every offer runs to `W + 12 months`,
so its retroactive months, the co-term months of licenses added mid-term and the forward year
are one offer. By default one offer per customer (its chosen installations co-termed), on
request one per installation. Each offer to make is an item, run by a background task;
installations are renewed once per window whichever batch asks (`RenewalTarget`), an item runs
at most once (its row is locked and its state checked), and an item whose worker died is found
by `renewal_sweep` and queued again. Items end done, skipped (nothing to offer; never retried)
or failed (worth trying again), with a reason code shown in the reader's language.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common import queue
from common.errors import DomainError
from customers.access import is_distributor_staff, reseller_of
from customers.models import Installation
from quotes import pricing, selectors
from quotes.models import RenewalBatch, RenewalItem, RenewalTarget
from quotes.services.offers import quote_create, quote_issue, quote_mark_ready

logger = logging.getLogger(__name__)

# Codes of items that ended with nothing to offer: they are skipped, never retried.
SKIP_CODES = {"not_applicable", "nothing_due", "open_offer", "open_offer_elsewhere",
              "customer_moved"}
MAX_ATTEMPTS = 3  # a worker that died this many times on one item: the item fails
# A queued item nobody has taken: a long queue is slow, not dead, so wait this many timeouts.
NEVER_TAKEN_TIMEOUTS = 6


def item_timeout() -> timedelta:
    """How long a taken item may go without finishing before the sweeper queues it again."""
    return timedelta(seconds=settings.SSA_RENEWAL_ITEM_TIMEOUT_SECONDS)


@dataclass(frozen=True)
class BatchCreated:
    batch: RenewalBatch | None  # None when every installation was renewed for the window
    offers: int  # items made: offers to come
    installations: int
    already_in_a_batch: int  # installations left out: renewed for this window already


def group_for_offers(installations: list[Installation], *,
                     per_installation: bool) -> list[list[Installation]]:
    """The installations of each offer: one customer's together (in offers of at most
    SSA_MAX_INSTALLATIONS_PER_OFFER), or one each."""
    if per_installation:
        return [[installation] for installation in installations]
    by_customer: dict[int, list[Installation]] = defaultdict(list)
    for installation in installations:
        by_customer[installation.customer_id].append(installation)
    size = settings.SSA_MAX_INSTALLATIONS_PER_OFFER
    return [group[start:start + size] for group in by_customer.values()
            for start in range(0, len(group), size)]


@transaction.atomic
def renewal_batch_create(*, user: User, installations: list[Installation], window_end: date,
                         per_installation: bool = False,
                         now: datetime | None = None) -> BatchCreated:
    """A batch renewing `installations` for the window ending `window_end`: staff issue offers,
    a reseller makes drafts marked ready to issue. Installations already renewed for this window
    (by any batch) are left out, so a batch run twice creates nothing new. The work runs as one
    background task per offer once this transaction commits."""
    now = now or timezone.now()
    staff = is_distributor_staff(user)
    own = reseller_of(user)
    if not staff and own is None:
        raise DomainError(_("Your user belongs to no reseller; ask the distributor."))
    if not installations:
        raise DomainError(_("Choose at least one installation."))
    if not staff and any(i.customer.reseller_id != own.pk for i in installations):
        raise DomainError(_("A reseller renews only its own customers' installations."))
    taken = set(RenewalTarget.objects.filter(
        window_end=window_end, installation__in=installations).values_list(
        "installation_id", flat=True))
    fresh = [i for i in installations if i.pk not in taken]
    if not fresh:
        return BatchCreated(None, offers=0, installations=0,
                            already_in_a_batch=len(installations))
    batch = RenewalBatch.objects.create(
        window_end=window_end, created_by=user, reseller=None if staff else own,
        per_installation=per_installation,
        mode=RenewalBatch.Mode.ISSUE if staff else RenewalBatch.Mode.DRAFT)
    # Lock the fresh installations' rows in one order: a concurrent batch for the same window
    # waits here, then finds them taken.
    locked = set(Installation.objects.select_for_update().filter(
        pk__in=[i.pk for i in fresh]).order_by("pk").values_list("pk", flat=True))
    fresh = [i for i in fresh if i.pk in locked and not RenewalTarget.objects.filter(
        window_end=window_end, installation=i).exists()]
    item_ids = []
    for group in group_for_offers(fresh, per_installation=per_installation):
        item = RenewalItem.objects.create(batch=batch, customer_id=group[0].customer_id,
                                          window_end=window_end, queued_at=now)
        RenewalTarget.objects.bulk_create(
            RenewalTarget(item=item, installation=i, window_end=window_end) for i in group)
        item_ids.append(item.pk)
    transaction.on_commit(lambda: _enqueue(item_ids, now))
    return BatchCreated(batch, offers=len(item_ids), installations=len(fresh),
                        already_in_a_batch=len(installations) - len(fresh))


def _enqueue(item_ids: list[int], now: datetime) -> None:
    for item_id in item_ids:
        queue.enqueue("renew", item_id)
    if item_ids:  # the sweeper looks after them until they have all ended
        queue.enqueue("sweep_renewals", run_after=now + item_timeout())


def renewal_item_run(*, item_id: int, today: date | None = None,
                     now: datetime | None = None) -> RenewalItem:
    """Make one item's offer: idempotent (an item that has ended is left as it is) and safe
    against a second worker (the item's row is locked while it runs). The taking is committed
    first, so that a worker that dies midway leaves a trace the sweeper finds."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    with transaction.atomic():
        item = RenewalItem.objects.select_for_update().get(pk=item_id)
        if item.status != RenewalItem.Status.PENDING:
            return item
        item.started_at, item.attempts = now, item.attempts + 1
        item.save(update_fields=["started_at", "attempts"])
    with transaction.atomic():
        item = RenewalItem.objects.select_for_update(of=("self",)).select_related(
            "batch", "batch__created_by", "customer").get(pk=item_id)
        if item.status != RenewalItem.Status.PENDING:
            return item
        try:
            with transaction.atomic():
                quote = _make_offer(item, today)
        except DomainError as error:
            _end(item, _ended_status(error.code), code=error.code or "refused",
                 params=error.params if error.code else {"message": error.message})
        except Exception as error:  # noqa: BLE001 - recorded on the item; it may be retried
            logger.exception("Renewal item %s failed", item_id)
            _end(item, RenewalItem.Status.FAILED, code="error",
                 params={"error": type(error).__name__})
        else:
            item.quote = quote
            _end(item, RenewalItem.Status.DONE)
    return item


def _ended_status(code: str) -> str:
    return RenewalItem.Status.SKIPPED if code in SKIP_CODES else RenewalItem.Status.FAILED


def _end(item: RenewalItem, status: str, *, code: str = "", params: dict | None = None):
    item.status, item.reason_code, item.reason_params = status, code, params or {}
    item.finished_at = timezone.now()
    item.save(update_fields=["status", "quote", "reason_code", "reason_params", "finished_at"])


def _make_offer(item: RenewalItem, today: date):
    """The item's offer, as its batch's author would make it today: refused if the customer is
    no longer the author's to act for, skipped if an open offer already covers an installation
    or nothing is due."""
    batch, customer = item.batch, item.customer
    if batch.reseller_id is not None and customer.reseller_id != batch.reseller_id:
        raise DomainError(_("The customer now belongs to another reseller."),
                          code="customer_moved")
    installations = list(item.installations.order_by("name", "pk"))
    covering = selectors.open_offers(today).filter(installations__in=installations).distinct()
    if covering.exists():
        # The number only when the batch's author may see that offer (after a move it may be
        # the old reseller's).
        own = covering if batch.reseller_id is None else covering.filter(
            reseller_id=batch.reseller_id)
        quote = own.order_by("pk").first()
        if quote is None:
            raise DomainError(_("Another reseller's open offer already covers it."),
                              code="open_offer_elsewhere")
        number = quote.number or f"#{quote.pk}"
        raise DomainError(_("An open offer (%(number)s) already covers it.") % {
            "number": number}, code="open_offer", params={"number": number})
    end = pricing.renewal_end(item.window_end)
    # Priced first in both modes, so that a reseller's batch makes no draft with nothing in it.
    result, _book = selectors.price_installations(
        installations=list(selectors.with_pricing_data(item.installations.order_by("name", "pk"))),
        quote_date=today, end=end)
    if not result.has_lines:
        day = f"{end:%d.%m.%Y}"
        raise DomainError(_("Nothing is due before %(date)s.") % {"date": day},
                          code="nothing_due", params={"date": day})
    quote = quote_create(customer=customer, installations=installations,
                         user=batch.created_by, end=end)
    if batch.mode == RenewalBatch.Mode.ISSUE:
        return quote_issue(quote=quote, user=batch.created_by, today=today)
    return quote_mark_ready(quote=quote, user=batch.created_by)


@transaction.atomic
def renewal_batch_retry_failed(*, batch: RenewalBatch, user: User,
                               now: datetime | None = None) -> int:
    """Queue a batch's failed items again (after the cause is fixed) — those whose customer the
    user may still act for. Raises DomainError(code "customer_moved") when every failed item's
    customer has moved to another reseller since."""
    now = now or timezone.now()
    failed = list(batch.items.select_for_update(of=("self",)).filter(
        status=RenewalItem.Status.FAILED).select_related("customer"))
    own = None if is_distributor_staff(user) else reseller_of(user)
    mine = [item for item in failed if own is None or item.customer.reseller_id == own.pk]
    if failed and not mine:
        raise DomainError(_("The customer now belongs to another reseller."),
                          code="customer_moved")
    ids = [item.pk for item in mine]
    batch.items.filter(pk__in=ids).update(status=RenewalItem.Status.PENDING, reason_code="",
                                          reason_params={}, finished_at=None, started_at=None,
                                          attempts=0, queued_at=now)
    transaction.on_commit(lambda: _enqueue(ids, now))
    return len(ids)


@dataclass(frozen=True)
class Swept:
    queued_again: list[int]
    given_up: list[int]


def renewal_sweep(*, now: datetime | None = None) -> Swept:
    """Find pending items whose worker died — taken longer ago than the timeout without ending,
    or queued and never taken for much longer (a task lost on its way) — queue them again, or
    fail them after MAX_ATTEMPTS, and keep sweeping while any item is pending."""
    now = now or timezone.now()
    cutoff = now - item_timeout()
    never_taken = now - NEVER_TAKEN_TIMEOUTS * item_timeout()
    queued_again, given_up = [], []
    with transaction.atomic():
        stale = RenewalItem.objects.select_for_update(skip_locked=True).filter(
            Q(started_at__lt=cutoff) | Q(started_at__isnull=True, queued_at__lt=never_taken),
            status=RenewalItem.Status.PENDING)
        for item in stale:
            if item.attempts >= MAX_ATTEMPTS:
                _end(item, RenewalItem.Status.FAILED, code="gave_up",
                     params={"attempts": item.attempts})
                given_up.append(item.pk)
            else:
                item.queued_at, item.started_at = now, None
                item.save(update_fields=["queued_at", "started_at"])
                queued_again.append(item.pk)
        still_pending = RenewalItem.objects.filter(status=RenewalItem.Status.PENDING).exists()

        def enqueue() -> None:
            for item_id in queued_again:
                queue.enqueue("renew", item_id)
            if still_pending:
                queue.enqueue("sweep_renewals", run_after=now + item_timeout())

        transaction.on_commit(enqueue)
    return Swept(queued_again, given_up)
