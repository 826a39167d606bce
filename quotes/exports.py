"""CSV exports of the pages' lists, as Norwegian spreadsheets open them: UTF-8 with a byte order
mark, `;` between columns, decimal commas, and no text a spreadsheet would run as a formula
(`common.formatting.spreadsheet_cell`, docs/SECURITY.md). Each export is scoped exactly like its
page."""

import csv

from django.http import HttpResponse, StreamingHttpResponse

from common.formatting import spreadsheet_cell


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([spreadsheet_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    """An offer's PDF as a download that no cache keeps and no browser sniffs."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
