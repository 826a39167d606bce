"""The CSV file of the import (docs/IMPORT.md, "The file" and "Columns"): its columns, the values
its cells may take, and reading the uploaded bytes into rows.

- `decode_upload` and `read_csv` turn the uploaded bytes into rows, or refuse the whole file with
  an `ImportFileError` whose message says what to do;
- `clean_org_number`, `parse_date` and `parse_month` read the cells whose spelling varies;
- `RowError` names a problem with a row: its line and column.

Nothing here reads the database; checking and planning the rows is `csv_import`.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from customers.imports import ImportFileError
from customers.models import Deployment

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000

COLUMNS = (
    "reseller", "customer", "org_number", "customer_email", "city", "installation",
    "deployment", "hardware_model", "firmware_version", "license_code", "quantity",
    "activated_on", "rented", "paid_until", "periods",
)
REQUIRED_COLUMNS = ("customer", "installation", "license_code", "quantity", "activated_on")

DEPLOYMENTS = {
    "": Deployment.ON_PREMISE, "on-premise": Deployment.ON_PREMISE,
    "onpremise": Deployment.ON_PREMISE, "on premise": Deployment.ON_PREMISE,
    "skypbx": Deployment.SKYPBX, "sky pbx": Deployment.SKYPBX, "sky": Deployment.SKYPBX,
}
YES = {"yes", "ja", "j", "y", "true", "1", "x"}
NO = {"", "no", "nei", "n", "false", "0"}


# --- reading the file ------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """A problem (or a note) about one row of the file, and the column to blame, if one is."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Line %(line)d, column %(column)s: %(message)s") % {
                "line": self.line, "column": self.column, "message": self.message}
        return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass(frozen=True)
class CsvRow:
    line: int  # the line of the file the row starts on (the header is line 1)
    cells: dict[str, str]


@dataclass
class ParsedCsv:
    columns: list[str]
    delimiter: str
    rows: list[CsvRow]
    ignored_columns: list[str] = field(default_factory=list)


def decode_upload(data: bytes) -> str:
    """UTF-8 with or without a byte-order mark; anything else is refused with advice."""
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_(
            "This is a spreadsheet file (Excel), not a CSV file. In Excel choose "
            "“Save as” → “CSV UTF-8 (comma delimited)” and upload that file."))
    if b"\x00" in data:
        raise ImportFileError(_("This is not a CSV file (it contains binary data)."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_(
            "The file is not UTF-8 text, so letters such as æ, ø and å would be lost. Save it "
            "as “CSV UTF-8” (in Excel: “Save as” → “CSV UTF-8”) and upload it again.")) from None
    return text


def _column_name(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def _sniff_delimiter(header_line: str) -> str:
    """`;` (what Norwegian Excel writes) or `,`, whichever the header line uses more."""
    semicolons, commas = header_line.count(";"), header_line.count(",")
    if commas > semicolons:
        return ","
    return ";"


def read_csv(text: str) -> ParsedCsv:
    lines = text.splitlines()
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ImportFileError(_("The file is empty."))
    skip = first
    header_line = lines[first]
    delimiter = _sniff_delimiter(header_line)
    # Excel's "sep=;" hint line names the separator itself.
    if header_line.strip().lower().startswith("sep=") and len(header_line.strip()) == 5:
        delimiter = header_line.strip()[4]
        skip = first + 1
    # strict: a broken quote is an error, never a value swallowing the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = _records(reader, text, delimiter)
    for _skipped in range(skip):
        next(records)
    header = next(records, None)
    if header is None:
        raise ImportFileError(_("The file has no header line."))
    columns = [_column_name(name) for name in header[1]]
    duplicates = sorted({name for name in columns if name and columns.count(name) > 1})
    if duplicates:
        raise ImportFileError(_("The header names these columns twice: %(columns)s.")
                              % {"columns": ", ".join(duplicates)})
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportFileError(_(
            "The first line must name the columns (see the format description). Missing: "
            "%(missing)s. Found: %(found)s.") % {
                "missing": ", ".join(missing),
                "found": ", ".join(name for name in columns if name) or "–"})
    rows: list[CsvRow] = []
    for start, values in records:
        if not any(value.strip() for value in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(_(
                "The file has more than %(max)d rows. Split it into smaller files.")
                % {"max": MAX_ROWS})
        cells = {name: (values[index].strip() if index < len(values) else "")
                 for index, name in enumerate(columns) if name in COLUMNS}
        if len(values) > len(columns) and any(v.strip() for v in values[len(columns):]):
            cells["__extra__"] = "1"
        rows.append(CsvRow(line=start, cells=cells))
    if not rows:
        raise ImportFileError(_("The file has a header line but no rows to import."))
    ignored = [name for name in columns if name and name not in COLUMNS]
    return ParsedCsv(columns=columns, delimiter=delimiter, rows=rows, ignored_columns=ignored)


def _records(reader, text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """The reader's records with the line each starts on; a record csv cannot read refuses the
    file, naming the line where the broken value starts."""
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            line, problem = _broken_quote(text, start, delimiter)
            if problem == "unclosed":
                message = _("Line %(line)d: a value starts with a double quote (\") that is never "
                            "closed, so everything after it would be read as one value. Close "
                            "the quote or remove it, and upload the file again.")
            elif problem == "after_quote":
                message = _("Line %(line)d: after the closing quote of a quoted value comes more "
                            "text instead of the separator. Put the whole value in quotes and "
                            "write every quote inside it twice (\"\").")
            else:
                message = _("This is not a readable CSV file (line %(line)d: %(error)s).")
            raise ImportFileError(message % {"line": line, "error": error}) from None
        yield start, values


def _broken_quote(text: str, start: int, delimiter: str) -> tuple[int, str]:
    """Where the quoted value that broke the record starting on line `start` begins, and how it
    broke: "unclosed" (its opening quote is never closed) or "after_quote" (text follows its
    closing quote). Scans the record as csv reads it: a quote opens a value only at the value's
    start, and two quotes inside one are a quote. (start, "") when it finds neither."""
    lines = io.StringIO(text, newline="").readlines()
    line, quoted_from, in_quotes, at_start = start, start, False, True
    for raw in lines[start - 1:]:
        index = 0
        while index < len(raw):
            char = raw[index]
            if in_quotes:
                if char == '"' and raw[index + 1:index + 2] == '"':
                    index += 1
                elif char == '"':
                    in_quotes = False
                    if raw[index + 1:index + 2] not in (delimiter, "\r", "\n", ""):
                        return quoted_from, "after_quote"
            elif char == '"' and at_start:
                in_quotes, quoted_from = True, line
            elif char in "\r\n":
                return start, ""
            at_start = char == delimiter and not in_quotes
            index += 1
        line += 1
    return (quoted_from, "unclosed") if in_quotes else (start, "")


# --- reading cells ---------------------------------------------------------------------------


def clean_org_number(value: str) -> str:
    """'NO 923 609 016 MVA', '923.609.016' and '923-609-016' all mean 923609016."""
    compact = re.sub(r"[\s.\-]", "", value).upper()
    compact = compact.removeprefix("NO").removesuffix("MVA")
    return compact


def parse_month(value: str) -> date | None:
    """The first of a month written YYYY-MM, or as its first day (YYYY-MM-DD or DD.MM.YYYY, as
    the portal's month fields take it); None when it is none of these. A day other than the 1st
    is not a month: `is_first_of_month` tells the caller, who says so. MM.YYYY is not read: the
    portal shows the last month an agreement covers that way (07.2025 – 06.2026), while these
    cells name the first month not covered, so "06.2026" would be one month off."""
    value = value.strip()
    month = re.fullmatch(r"(\d{4})-(\d{1,2})", value)
    if month:
        try:
            return date(int(month[1]), int(month[2]), 1)
        except ValueError:
            return None
    return parse_date(value)


def parse_date(value: str) -> date | None:
    """YYYY-MM-DD or DD.MM.YYYY; None when it is neither or not a real date."""
    value = value.strip()
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
    norwegian = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if norwegian:
            return date(int(norwegian[3]), int(norwegian[2]), int(norwegian[1]))
    except ValueError:
        return None
    return None

