"""What every app's views share: pagination, the list's query string, and showing a refused
action next to the form field it names."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpResponse

from common.errors import DomainError


def paginate(request, queryset) -> Page:
    """One page of `queryset` (SSA_PAGE_SIZE rows) as the query string's `page` asks."""
    return Paginator(queryset, settings.PAGE_SIZE).get_page(request.GET.get("page"))


def querystring_without_page(request) -> str:
    """The list's filters, for the pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def sort_links(request, keys, *, default: str, param: str = "sort") -> dict:
    """For each sortable column key: the list's URL sorted by it (ascending first, descending
    when already ascending), and its state for aria-sort. The rest of the query string stays;
    the page starts again at 1."""
    current = request.GET.get(param) or default
    links = {}
    for key in keys:
        query = request.GET.copy()
        query.pop("page", None)
        query[param] = f"-{key}" if current == key else key
        state = ("ascending" if current == key else
                 "descending" if current == f"-{key}" else "none")
        links[key] = {"url": "?" + query.urlencode(), "state": state}
    return links


def sort_ordering(sort: str, orderings: dict[str, tuple], default: tuple) -> tuple:
    """The `order_by` arguments for a list's `sort` parameter ("key" ascending, "-key"
    descending, anything unknown: `default`). Each key's fields end with a tie-breaker."""
    key = sort.lstrip("-")
    if key not in orderings:
        return default
    fields = orderings[key]
    if not sort.startswith("-"):
        return fields
    return tuple(f.desc(nulls_last=True) if hasattr(f, "desc") else (
        f[1:] if f.startswith("-") else f"-{f}") for f in fields)


def show_error(form, error: DomainError) -> None:
    """Put a service's refusal next to the fields it names (the form as a whole otherwise)."""
    for field, messages in error.errors.items():
        form.add_error(field if field in form.fields else None, messages)


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
