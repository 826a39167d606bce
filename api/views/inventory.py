"""Customers, installations, holdings and agreement periods (docs/API.md#resources): reads
through customers/access.py (another reseller's object is 404), every write through one service
of customers/services.py, whose refusal is a 422 problem naming the field."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from api.idempotency import KEY_PARAMETER, idempotent
from api.serializers import inventory as s
from api.views.base import ApiView, created, query, validated
from customers import access, services

CUSTOMERS, INSTALLATIONS, HOLDINGS, PERIODS = (["customers"], ["installations"], ["holdings"],
                                               ["agreement periods"])


# --- customers -------------------------------------------------------------------------------


class CustomerList(ApiView):
    @extend_schema(tags=CUSTOMERS, parameters=[s.CustomerFilterSerializer],
                   responses=s.CustomerSerializer(many=True))
    def get(self, request):
        filters = query(s.CustomerFilterSerializer, request)
        customers = access.customers_for(request.user).search(filters.get("q", ""))
        if filters.get("reseller"):
            customers = customers.filter(reseller_id=filters["reseller"])
        return self.page(customers.select_related("reseller"), s.CustomerSerializer)

    @extend_schema(tags=CUSTOMERS, request=s.CustomerCreateSerializer,
                   responses={201: s.CustomerSerializer}, parameters=[KEY_PARAMETER])
    @idempotent
    def post(self, request):
        data = dict(validated(s.CustomerCreateSerializer, request))
        reseller = data.pop("reseller", None)
        customer = services.customer_create(user=request.user, reseller=reseller, **data)
        return created(s.CustomerSerializer(customer).data,
                       f"/api/v1/customers/{customer.pk}/")


class CustomerDetail(ApiView):
    @extend_schema(tags=CUSTOMERS, responses=s.CustomerSerializer)
    def get(self, request, pk: int):
        return Response(s.CustomerSerializer(access.get_customer_for_user(request.user,
                                                                          pk)).data)

    @extend_schema(tags=CUSTOMERS, request=s.CustomerWriteSerializer,
                   responses=s.CustomerSerializer)
    def patch(self, request, pk: int):
        customer = access.get_customer_for_user(request.user, pk)
        data = validated(s.CustomerWriteSerializer, request, partial=True)
        customer = services.customer_update(customer=customer, user=request.user, **data)
        return Response(s.CustomerSerializer(customer).data)


# --- installations ---------------------------------------------------------------------------


class InstallationList(ApiView):
    @extend_schema(tags=INSTALLATIONS, parameters=[s.InstallationFilterSerializer],
                   responses=s.InstallationSerializer(many=True))
    def get(self, request):
        filters = query(s.InstallationFilterSerializer, request)
        installations = access.installations_for(request.user)
        if filters.get("customer"):
            installations = installations.filter(customer_id=filters["customer"])
        if filters.get("q", "").replace("\x00", "").strip():
            installations = installations.filter(name__icontains=filters["q"].strip())
        if filters.get("deployment"):
            installations = installations.filter(deployment=filters["deployment"])
        return self.page(installations, s.InstallationSerializer)

    @extend_schema(tags=INSTALLATIONS, request=s.InstallationCreateSerializer,
                   responses={201: s.InstallationSerializer}, parameters=[KEY_PARAMETER])
    @idempotent
    def post(self, request):
        data = dict(validated(s.InstallationCreateSerializer, request))
        installation = services.installation_create(**data)
        return created(s.InstallationSerializer(installation).data,
                       f"/api/v1/installations/{installation.pk}/")


class InstallationDetail(ApiView):
    @extend_schema(tags=INSTALLATIONS, responses=s.InstallationSerializer)
    def get(self, request, pk: int):
        installation = access.get_installation_for_user(request.user, pk)
        return Response(s.InstallationSerializer(installation).data)

    @extend_schema(tags=INSTALLATIONS, request=s.InstallationWriteSerializer,
                   responses=s.InstallationSerializer)
    def patch(self, request, pk: int):
        installation = access.get_installation_for_user(request.user, pk)
        data = validated(s.InstallationWriteSerializer, request, partial=True)
        installation = services.installation_update(installation=installation, **data)
        return Response(s.InstallationSerializer(installation).data)


# --- holdings --------------------------------------------------------------------------------


class HoldingList(ApiView):
    @extend_schema(tags=HOLDINGS, parameters=[s.ByInstallationFilterSerializer],
                   responses=s.HoldingSerializer(many=True))
    def get(self, request):
        filters = query(s.ByInstallationFilterSerializer, request)
        holdings = access.holdings_for(request.user).select_related("license_type")
        if filters.get("installation"):
            holdings = holdings.filter(installation_id=filters["installation"])
        return self.page(holdings, s.HoldingSerializer)

    @extend_schema(tags=HOLDINGS, request=s.HoldingCreateSerializer,
                   responses={201: s.HoldingSerializer}, parameters=[KEY_PARAMETER])
    @idempotent
    def post(self, request):
        data = validated(s.HoldingCreateSerializer, request)
        holding = services.holding_add(**data)
        return created(s.HoldingSerializer(holding).data, f"/api/v1/holdings/{holding.pk}/")


class HoldingDetail(ApiView):
    @extend_schema(tags=HOLDINGS, responses=s.HoldingSerializer)
    def get(self, request, pk: int):
        return Response(s.HoldingSerializer(access.get_holding_for_user(request.user, pk)).data)

    @extend_schema(tags=HOLDINGS, request=s.HoldingWriteSerializer,
                   responses=s.HoldingSerializer)
    def patch(self, request, pk: int):
        """Correct a typo in licenses nothing has paid for yet."""
        holding = access.get_holding_for_user(request.user, pk)
        data = validated(s.HoldingWriteSerializer, request, partial=True)
        current = {"license_type": holding.license_type, "quantity": holding.quantity,
                   "activated_on": holding.activated_on, "rented": holding.rented}
        holding = services.holding_update(holding=holding, **{**current, **data})
        return Response(s.HoldingSerializer(holding).data)

    @extend_schema(tags=HOLDINGS, responses={204: None})
    def delete(self, request, pk: int):
        services.holding_delete(holding=access.get_holding_for_user(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class HoldingEnd(ApiView):
    @extend_schema(tags=HOLDINGS, request=s.HoldingEndSerializer,
                   responses=s.HoldingEndedSerializer, parameters=[KEY_PARAMETER])
    @idempotent
    def post(self, request, pk: int):
        """End licenses from a first of a month; those kept continue as a new holding."""
        holding = access.get_holding_for_user(request.user, pk)
        data = validated(s.HoldingEndSerializer, request)
        remaining = services.holding_end(holding=holding, **data)
        holding.refresh_from_db()
        return Response(s.HoldingEndedSerializer({"ended": holding,
                                                  "remaining": remaining}).data)


# --- agreement periods -----------------------------------------------------------------------


def _periods(queryset):
    return queryset.prefetch_related("holdings")


class PeriodList(ApiView):
    @extend_schema(tags=PERIODS, parameters=[s.ByInstallationFilterSerializer],
                   responses=s.PeriodSerializer(many=True))
    def get(self, request):
        filters = query(s.ByInstallationFilterSerializer, request)
        periods = _periods(access.periods_for(request.user))
        if filters.get("installation"):
            periods = periods.filter(installation_id=filters["installation"])
        return self.page(periods, s.PeriodSerializer)

    @extend_schema(tags=PERIODS, request=s.PeriodCreateSerializer,
                   responses={201: s.PeriodSerializer}, parameters=[KEY_PARAMETER])
    @idempotent
    def post(self, request):
        """A period brought from elsewhere (source `manual`)."""
        data = validated(s.PeriodCreateSerializer, request)
        period = services.period_create(user=request.user, **data)
        return created(s.PeriodSerializer(period).data, f"/api/v1/periods/{period.pk}/")


class PeriodDetail(ApiView):
    @extend_schema(tags=PERIODS, responses=s.PeriodSerializer)
    def get(self, request, pk: int):
        return Response(s.PeriodSerializer(access.get_period_for_user(request.user, pk)).data)

    @extend_schema(tags=PERIODS, request=s.PeriodWriteSerializer, responses=s.PeriodSerializer)
    def patch(self, request, pk: int):
        period = access.get_period_for_user(request.user, pk)
        data = validated(s.PeriodWriteSerializer, request, partial=True)
        current = {"start": period.start, "end": period.end, "note": period.note,
                   "holdings": list(period.holdings.all())}
        period = services.period_update(period=period, **{**current, **data})
        return Response(s.PeriodSerializer(period).data)

    @extend_schema(tags=PERIODS, responses={204: None})
    def delete(self, request, pk: int):
        services.period_delete(period=access.get_period_for_user(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
