"""What every API view shares: validated input and query parameters, one page of a list, and
the problem responses each operation documents (docs/API.md)."""

from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import IdCursorPagination
from api.problems import ProblemsAsJson


def today():
    return timezone.localdate()


def validated(serializer_class, request, *, data=None, partial: bool = False) -> dict:
    """The request body (or `data`) checked by `serializer_class`; a 400 problem otherwise."""
    serializer = serializer_class(data=request.data if data is None else data,
                                  context={"request": request}, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def query(serializer_class, request) -> dict:
    """The query parameters checked by `serializer_class` (lists from repeated parameters)."""
    data = {}
    fields = serializer_class().fields
    for name, field in fields.items():
        if name not in request.query_params:
            continue
        values = request.query_params.getlist(name)
        data[name] = values if isinstance(field, serializers.ListField) else values[-1]
    return validated(serializer_class, request, data=data)


def created(data, location: str) -> Response:
    """201 Created with the new object's address."""
    return Response(data, status=status.HTTP_201_CREATED, headers={"Location": location})


class ApiView(ProblemsAsJson, APIView):
    pagination_class = IdCursorPagination

    def page(self, queryset, serializer_class, *, context=None, rows=None):
        """One page of `queryset` as `serializer_class` shows it (`rows` turns the page's rows
        into what the serializer reads)."""
        paginator = self.pagination_class()
        items = paginator.paginate_queryset(queryset, self.request, view=self)
        if rows is not None:
            items = rows(items)
        data = serializer_class(items, many=True,
                                context={"request": self.request, **(context or {})}).data
        return paginator.get_paginated_response(data)
