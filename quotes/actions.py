"""Which actions an offer allows a user on a day, and why not: the one place that says so.

Services call `require` on the row they locked before they act; pages and the API only display
`allowed_actions`. A refusal says why in the user's language and how the caller should answer:
a role too weak for the action is 403, an offer the user may read but no longer act on (its
customer moved to another reseller since it was issued) is 404, and an offer whose state does
not allow the action is a message on the page (docs/DOMAIN.md#offers).
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.utils.translation import gettext as _

from common.errors import DomainError
from customers.access import AnyUser, is_distributor_staff, reseller_of
from quotes.models import Quote, QuoteState


class CustomerContact:
    """The customer's contact holding a personal acceptance link: may accept or decline the
    offer the link leads to, and nothing else."""

    is_authenticated = False

    def __repr__(self) -> str:
        return "CUSTOMER"


CUSTOMER = CustomerContact()
_CUSTOMER_MAY = {"accept", "decline"}  # Action values (the enum is defined below)


class Action(StrEnum):
    EDIT = "edit"
    DELETE = "delete"
    MARK_READY = "mark_ready"
    UNMARK_READY = "unmark_ready"
    ISSUE = "issue"
    PREVIEW = "preview"  # a draft's unsigned PDF
    DOWNLOAD = "download"  # an issued offer's signed PDF
    SEND = "send"
    ACCEPT = "accept"
    DECLINE = "decline"
    REVISE = "revise"
    UNDO_ACCEPTANCE = "undo_acceptance"
    RETRY_PDF = "retry_pdf"


class Answer(StrEnum):
    """How a refusal is answered."""

    FORBIDDEN = "forbidden"  # 403: the user's role may not do this
    NOT_FOUND = "not_found"  # 404: no longer the user's customer to act for
    REFUSED = "refused"  # the offer's state refuses it; said on the page


@dataclass(frozen=True)
class Refusal:
    message: str
    answer: Answer = Answer.REFUSED


class ActionRefused(DomainError):
    """`require` refused: a DomainError that also says how to answer it."""

    def __init__(self, refusal: Refusal):
        super().__init__(refusal.message, code=_CODES.get(refusal.answer, ""))
        self.answer = refusal.answer


_CODES = {Answer.NOT_FOUND: "customer_moved"}

_DRAFT_ONLY = {Action.EDIT, Action.DELETE, Action.MARK_READY, Action.UNMARK_READY, Action.ISSUE,
               Action.PREVIEW}
_STAFF_ONLY = {Action.ISSUE, Action.UNDO_ACCEPTANCE, Action.RETRY_PDF}
# Answering for the customer and revising write into the customer's record, so a reseller may
# do them only while the customer is still its own (reading and downloading stay with the
# reseller recorded on the offer).
_FOR_THE_CUSTOMER = {Action.ACCEPT, Action.DECLINE, Action.REVISE}


def refusal(action: Action, quote: Quote, user: AnyUser, today: date) -> Refusal | None:
    """Why `user` may not do `action` on `quote` on `today`; None when they may. `user` is
    CUSTOMER for the customer's contact answering through an acceptance link."""
    if user is CUSTOMER:
        if action not in _CUSTOMER_MAY:
            return Refusal(_("Only the offer's answer can be given through this link."),
                           Answer.FORBIDDEN)
        if quote.is_draft:
            return Refusal(_("A draft must be issued first."))
        return _issued_refusal(action, quote, today)
    staff = is_distributor_staff(user)
    if action in _STAFF_ONLY and not staff:
        return Refusal(_STAFF_ONLY_TEXTS[action](), Answer.FORBIDDEN)
    if action in _FOR_THE_CUSTOMER and not staff:
        own = reseller_of(user)
        if own is None or quote.customer.reseller_id != own.pk:
            return Refusal(_("%(customer)s is no longer your customer.") % {
                "customer": quote.customer_name or quote.customer.name}, Answer.NOT_FOUND)
    if action in _DRAFT_ONLY:
        return _draft_refusal(action, quote, staff)
    if quote.is_draft:
        return Refusal(_("A draft must be issued first."))
    return _issued_refusal(action, quote, today)


_STAFF_ONLY_TEXTS = {
    Action.ISSUE: lambda: _("Only the distributor's staff issue offers; mark the draft ready to "
                            "issue and they will see it."),
    Action.UNDO_ACCEPTANCE: lambda: _("Only the distributor's staff can undo an acceptance."),
    Action.RETRY_PDF: lambda: _("Only the distributor's staff can prepare a PDF again."),
}


def _draft_refusal(action: Action, quote: Quote, staff: bool) -> Refusal | None:
    if not quote.is_draft:
        return Refusal(_("Offer %(number)s is issued and can no longer be changed. Make a "
                         "revision instead.") % {"number": quote.number})
    if action == Action.MARK_READY and (staff or quote.ready_to_issue):
        return Refusal(_("Staff issue drafts themselves.") if staff
                       else _("The draft is already marked ready to issue."))
    if action == Action.UNMARK_READY and not quote.ready_to_issue:
        return Refusal(_("The draft is not marked ready to issue."))
    return None


def _issued_refusal(action: Action, quote: Quote, today: date) -> Refusal | None:
    if action in (Action.DOWNLOAD, Action.SEND) and not quote.pdf_sha256:
        return Refusal(_("The signed PDF is being prepared; try again in a minute."))
    if action in (Action.ACCEPT, Action.DECLINE):
        return _unanswerable(quote, today)
    if action == Action.REVISE and quote.state not in (QuoteState.ISSUED, QuoteState.DECLINED):
        return Refusal(_("Only an issued or declined offer can be revised."))
    if action == Action.UNDO_ACCEPTANCE and quote.state != QuoteState.ACCEPTED:
        return Refusal(_("Only an accepted offer's acceptance can be undone."))
    if action == Action.RETRY_PDF and quote.pdf_sha256:
        return Refusal(_("The signed PDF is stored; it is never made again."))
    return None


def _unanswerable(quote: Quote, today: date) -> Refusal | None:
    number = {"number": quote.number}
    if quote.state == QuoteState.ACCEPTED:
        return Refusal(_("%(number)s has already been accepted.") % number)
    if quote.state == QuoteState.DECLINED:
        return Refusal(_("%(number)s was declined.") % number)
    if quote.state == QuoteState.SUPERSEDED:
        return Refusal(_("%(number)s has been superseded by a revision; answer that one "
                         "instead.") % number)
    if quote.is_expired(today):
        return Refusal(_("%(number)s expired on %(date)s; revise it for a new offer.") % {
            **number, "date": f"{quote.valid_until:%d.%m.%Y}"})
    return None


def require(action: Action, quote: Quote, user: AnyUser, today: date) -> None:
    """Raise `ActionRefused` unless `user` may do `action` on `quote` on `today`."""
    found = refusal(action, quote, user, today)
    if found is not None:
        raise ActionRefused(found)


class AllowedActions:
    """The actions allowed on one offer, for templates: `{% if actions.issue %}`."""

    def __init__(self, quote: Quote, user: AnyUser, today: date):
        self._allowed = frozenset(action for action in Action
                                  if refusal(action, quote, user, today) is None)

    def __getattr__(self, name: str) -> bool:
        try:
            return Action(name) in self._allowed
        except ValueError:
            raise AttributeError(name) from None

    def __contains__(self, action: Action) -> bool:
        return action in self._allowed


def allowed_actions(quote: Quote, user: AnyUser, today: date) -> AllowedActions:
    return AllowedActions(quote, user, today)
