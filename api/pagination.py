"""Cursor pagination (docs/API.md#pagination): `next` and `previous` links that stay right while
rows are added, newest or lowest id first as each list says."""

from django.conf import settings
from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    ordering = "pk"
    page_size_query_param = "limit"
    max_page_size = 100
    cursor_query_description = "The cursor of the page, from a `next` or `previous` link."
    page_size_query_description = "Rows per page (at most 100)."

    def __init__(self):
        self.page_size = settings.PAGE_SIZE


class NewestFirstPagination(IdCursorPagination):
    ordering = "-pk"
