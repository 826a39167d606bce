"""Offers (docs/API.md#offers): the list with the page's filters (`selectors.filter_offers`),
the offer as `present_offer` shows it, and every action through `quotes.services`, which ask
`quotes.actions` first — so the API answers a refusal as the pages do (403, 404, or 409 for
an offer whose state refuses it). Also the price preview and the signed PDF."""

from types import SimpleNamespace

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, status
from rest_framework.response import Response

from api.idempotency import KEY_PARAMETER, idempotent
from api.pagination import NewestFirstPagination
from api.problems import problem
from api.serializers import offers as s
from api.serializers.offers import offer_data
from api.views.base import ApiView, query, today, validated
from common.errors import DomainError
from customers import access as customer_access
from quotes import access, selectors, services
from quotes.actions import Action, ActionRefused, refusal
from quotes.exports import pdf_response
from quotes.presentation import live_sections, summarize_offer

OFFERS = ["offers"]


def _quote(request, pk: int):
    return access.get_quote_for_user(request.user, pk)


def _offer_response(quote, request, code=status.HTTP_200_OK) -> Response:
    headers = {"Location": f"/api/v1/offers/{quote.pk}/"} if code == 201 else None
    return Response(offer_data(quote, request.user), status=code, headers=headers)


class OfferList(ApiView):
    pagination_class = NewestFirstPagination

    @extend_schema(tags=OFFERS, parameters=[s.OfferFilterSerializer],
                   responses=s.OfferSummarySerializer(many=True))
    def get(self, request):
        """The user's offers, newest first, filtered as on the offer list page."""
        day = today()
        filters = query(s.OfferFilterSerializer, request)
        quotes = selectors.offers_for(request.user, today=day, **filters)
        return self.page(quotes, s.OfferSummarySerializer,
                         rows=lambda rows: [summarize_offer(q, today=day) for q in rows])

    @extend_schema(tags=OFFERS, request=s.OfferCreateSerializer,
                   responses={201: s.OfferSerializer}, parameters=[KEY_PARAMETER])
    @idempotent
    def post(self, request):
        """A draft: only the inputs; it is priced whenever it is looked at."""
        data = validated(s.OfferCreateSerializer, request)
        quote = services.quote_create(
            customer=data["customer"], installations=list(data["installations"]),
            user=request.user, end=data.get("end"), language=data.get("language"))
        return _offer_response(quote, request, status.HTTP_201_CREATED)


class OfferDetail(ApiView):
    @extend_schema(tags=OFFERS, responses=s.OfferSerializer)
    def get(self, request, pk: int):
        return _offer_response(_quote(request, pk), request)

    @extend_schema(tags=OFFERS, request=s.OfferUpdateSerializer, responses=s.OfferSerializer)
    def patch(self, request, pk: int):
        """Change a draft's installations, common end (null: the rule's default) or
        language."""
        quote = _quote(request, pk)
        data = validated(s.OfferUpdateSerializer, request, partial=True)
        quote = services.quote_update_draft(
            quote=quote, user=request.user,
            installations=list(data.get("installations") or quote.installations.all()),
            end=data["end"] if "end" in data else quote.end_override,
            language=data.get("language", quote.language))
        return _offer_response(quote, request)

    @extend_schema(tags=OFFERS, responses={204: None})
    def delete(self, request, pk: int):
        services.quote_delete_draft(quote=_quote(request, pk), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _action(name: str, *, request_serializer=None, doc: str, code: int = 200, run):
    """A POST acting on one offer through one service."""

    @extend_schema(tags=OFFERS, request=request_serializer, responses={code: s.OfferSerializer},
                   parameters=[KEY_PARAMETER], description=doc, operation_id=f"offers_{name}")
    @idempotent
    def post(self, request, pk: int):
        quote = _quote(request, pk)
        data = validated(request_serializer, request) if request_serializer else {}
        return _offer_response(run(quote, request.user, data), request, code)

    return type(f"Offer{name.title()}", (ApiView,), {"post": post})


OfferReady = _action(
    "ready", request_serializer=s.ReadySerializer,
    doc="A reseller marks its draft ready to issue (or, with `ready: false`, no longer).",
    run=lambda quote, user, data: services.quote_mark_ready(quote=quote, user=user,
                                                            ready=data["ready"]))
OfferIssue = _action(
    "issue", doc="Staff issue a draft: priced on today's date, numbered and frozen. The "
                 "signed PDF is prepared in the background (`pdf_ready`).",
    run=lambda quote, user, data: services.quote_issue(quote=quote, user=user,
                                                       prepare_pdf=False))
OfferAccept = _action(
    "accept", request_serializer=s.AcceptSerializer,
    doc="Record the customer's yes; the agreement periods the offer paid for are created.",
    run=lambda quote, user, data: services.quote_accept(
        quote=quote, user=user, accepted_by_name=data["accepted_by_name"]))
OfferDecline = _action(
    "decline", request_serializer=s.DeclineSerializer, doc="Record the customer's no.",
    run=lambda quote, user, data: services.quote_decline(quote=quote, user=user,
                                                         reason=data["reason"]))
OfferRevise = _action(
    "revise", code=201, doc="A new draft with the inputs of an issued or declined offer.",
    run=lambda quote, user, data: services.quote_revise(quote=quote, user=user))


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client ask for the PDF by its media type (the view answers with the bytes
    itself; problems are JSON)."""

    media_type = "application/pdf"
    format = "pdf"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class OfferPdf(ApiView):
    renderer_classes = [renderers.JSONRenderer, PdfRenderer]

    @extend_schema(tags=OFFERS, parameters=[OpenApiParameter("format", exclude=True)],
                   responses={(200, "application/pdf"): OpenApiResponse(
                       OpenApiTypes.BINARY,
                       description="The signed PDF: the same bytes every time.")})
    def get(self, request, pk: int):
        """The issued offer's signed PDF (409 while it is being prepared, with Retry-After)."""
        quote = _quote(request, pk)
        refused = refusal(Action.DOWNLOAD, quote, request.user, today())
        if refused is not None:
            if not quote.is_draft and not quote.pdf_sha256:
                return problem(409, kind="refused", title=refused.message,
                               detail=refused.message, headers={"Retry-After": "60"})
            raise ActionRefused(refused)
        return pdf_response(services.quote_pdf_bytes(quote=quote), f"{quote.number}.pdf")


class PricePreview(ApiView):
    @extend_schema(tags=["prices"], parameters=[s.PricePreviewQuerySerializer],
                   responses=s.PricePreviewSerializer)
    def get(self, request):
        """What an offer for these installations would carry if made today: the pricing
        engine's lines and totals (nothing is stored)."""
        data = query(s.PricePreviewQuerySerializer, request)
        ids = set(data["installation"])
        loaded = list(selectors.with_pricing_data(
            customer_access.installations_for(request.user).filter(pk__in=ids))
            .order_by("name", "pk"))
        if len(loaded) != len(ids):
            raise DomainError(errors={"installation": [
                _("No installation with id %(id)s exists for you.") % {"id": pk}
                for pk in sorted(ids - {i.pk for i in loaded})]})
        day = today()
        result, book = selectors.price_installations(installations=loaded, quote_date=day,
                                                     end=data.get("end"))
        preview = {
            "quote_date": day, "start": result.start, "earliest_end": result.earliest_end,
            "priced_with": SimpleNamespace(book_name=book.name, nok_per_ssc=book.nok_per_ssc,
                                           factor=book.retroactive_factor,
                                           vat_rate=book.vat_rate),
            "totals": result, "installations": live_sections(result, loaded),
        }
        return Response(s.PricePreviewSerializer(preview).data)
