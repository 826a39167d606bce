"""The renewals worklist (docs/DOMAIN.md#the-renewals-worklist): read through the access
helpers, its filters checked by the page's own form."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions

from api.serializers import renewals as s
from api.views.base import ApiView, today
from customers import access
from quotes import pricing, selectors
from quotes.forms import RenewalFilterForm


def _form_errors(form) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [str(e) for e in errors]
                                       for field, errors in form.errors.items()})


class RenewalList(ApiView):
    @extend_schema(tags=["renewals"], responses=s.RenewalRowSerializer(many=True), parameters=[
        OpenApiParameter("window_end", OpenApiTypes.STR,
                         description="The cycle's end, a 1 July (YYYY-MM or YYYY-07-01); by "
                                     "default the coming one."),
        OpenApiParameter("lapsed", OpenApiTypes.BOOL, description="Lapsed installations only."),
        OpenApiParameter("q", OpenApiTypes.STR, description="Customer or installation name."),
        OpenApiParameter("reseller", OpenApiTypes.INT, description="One reseller's (staff)."),
    ])
    def get(self, request):
        """What owes something for the cycle after the window: due, lapsed, or never under
        agreement, each with the engine's estimate of renewing it; by installation id."""
        day = today()
        form = RenewalFilterForm(request.query_params, today=day,
                                 resellers=access.resellers_for(request.user))
        if not form.is_valid():
            raise _form_errors(form)
        # Paged by installation id, so the page's sort order does not apply.
        filters = {**form.cleaned_data, "order": None}
        rows, window_end = selectors.renewal_rows_for(request.user, filters, today=day)

        def annotate(page):
            page = selectors.with_renewal_estimates(page, window_end=window_end, today=day)
            for row in page:
                row.window_end = window_end
                row.renewal_end = pricing.renewal_end(window_end)
            return page

        return self.page(rows, s.RenewalRowSerializer, rows=annotate)
