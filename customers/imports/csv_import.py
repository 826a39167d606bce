"""The CSV import of customers, installations and license holdings (docs/IMPORT.md).

Two pure-ish steps, neither of which writes:
- `decode_upload` and `read_csv` turn the uploaded bytes into rows, or refuse the whole file with
  an `ImportFileError` whose message says what to do (they live in `csv_format`, with the
  columns and the values cells may take, and are importable from here too);
- `plan_import` checks every row against the user's rights and the database and says what an
  import would create (new customers, installations, holdings, and the agreement periods of the
  columns paid_until and periods, planned by `csv_history`) and what is wrong, per row and
  column.

`services.csv_import_commit` runs the same plan inside one transaction and writes it through the
services, so the preview and the commit can never disagree about the rules.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from customers.access import is_distributor_staff, reseller_of
from customers.imports import ImportFileError
from customers.imports.csv_format import (
    COLUMNS,
    DEPLOYMENTS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    NO,
    REQUIRED_COLUMNS,
    YES,
    CsvRow,
    ParsedCsv,
    RowError,
    clean_org_number,
    decode_upload,
    parse_date,
    read_csv,
)
from customers.imports.csv_history import (
    History,
    PlannedPeriod,
    note_history,
    plan_history,
    read_history_cells,
)
from customers.models import (
    Customer,
    Deployment,
    Installation,
    LicenseHolding,
    LicenseType,
    Reseller,
)
from customers.validators import validate_org_number

__all__ = [
    # the file (csv_format)
    "COLUMNS", "MAX_ROWS", "MAX_UPLOAD_BYTES", "REQUIRED_COLUMNS", "CsvRow", "ParsedCsv",
    "clean_org_number", "decode_upload", "parse_date", "read_csv",
    # the plan
    "EARLIEST_ACTIVATION", "MAX_QUANTITY", "ImportPlan", "PlannedCustomer", "PlannedHolding",
    "PlannedInstallation", "PlannedPeriod", "RowError", "plan_import", "plan_upload",
]

MAX_QUANTITY = 100_000
EARLIEST_ACTIVATION = date(1997, 1, 1)  # innovaphone's first PBX; anything earlier is a typo


# --- checking the rows -----------------------------------------------------------------------


@dataclass
class PlannedCustomer:
    reseller: Reseller
    name: str
    org_number: str
    email: str
    city: str
    line: int
    existing: Customer | None = None

    @property
    def is_new(self) -> bool:
        return self.existing is None


@dataclass
class PlannedInstallation:
    customer: PlannedCustomer
    name: str
    deployment: str
    hardware_model: str
    firmware_version: str
    line: int
    existing: Installation | None = None
    history: History = field(default_factory=History)  # paid_until and periods of its rows

    @property
    def is_new(self) -> bool:
        return self.existing is None

    def get_deployment_display(self) -> str:
        return Deployment(self.deployment).label


@dataclass
class PlannedHolding:
    installation: PlannedInstallation
    license_type: LicenseType
    quantity: int
    activated_on: date
    rented: bool
    line: int
    already_recorded: bool = False  # an identical open holding exists: skipped, not doubled
    # Not saved yet: what the period rule (customers/periods.py) reads of a holding.
    pk = None
    ended_on = None

    @property
    def installation_id(self) -> int | None:
        return self.installation.existing.pk if self.installation.existing else None

    def __str__(self) -> str:
        return f"{self.quantity} × {self.license_type}"


@dataclass
class ImportPlan:
    row_count: int
    customers: list[PlannedCustomer] = field(default_factory=list)
    installations: list[PlannedInstallation] = field(default_factory=list)
    holdings: list[PlannedHolding] = field(default_factory=list)
    periods: list[PlannedPeriod] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    # Installations that would pay years of retroactive months for want of a history.
    history_warnings: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def new_customers(self) -> list[PlannedCustomer]:
        return [c for c in self.customers if c.is_new]

    @property
    def reused_customers(self) -> list[PlannedCustomer]:
        return [c for c in self.customers if not c.is_new]

    @property
    def new_installations(self) -> list[PlannedInstallation]:
        return [i for i in self.installations if i.is_new]

    @property
    def reused_installations(self) -> list[PlannedInstallation]:
        return [i for i in self.installations if not i.is_new]

    @property
    def new_holdings(self) -> list[PlannedHolding]:
        return [h for h in self.holdings if not h.already_recorded]

    @property
    def skipped_holdings(self) -> list[PlannedHolding]:
        return [h for h in self.holdings if h.already_recorded]

    @property
    def new_periods(self) -> list[PlannedPeriod]:
        return [p for p in self.periods if not p.already_recorded]

    @property
    def skipped_periods(self) -> list[PlannedPeriod]:
        return [p for p in self.periods if p.already_recorded]

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def changes_anything(self) -> bool:
        return bool(self.new_customers or self.new_installations or self.new_holdings
                    or self.new_periods)


@dataclass
class _Row:
    """One row's cells, checked and typed; `ok` is False when any cell had an error."""

    line: int
    reseller: Reseller | None = None
    customer: str = ""
    org_number: str = ""
    email: str = ""
    city: str = ""
    installation: str = ""
    deployment: str = Deployment.ON_PREMISE
    hardware_model: str = ""
    firmware_version: str = ""
    license_type: LicenseType | None = None
    quantity: int | None = None
    activated_on: date | None = None
    rented: bool = False
    paid_until: date | None = None
    ranges: tuple[tuple[date, date], ...] | None = None
    ok: bool = True


_CUSTOMER_COLUMNS = {"name": "customer", "email": "customer_email", "city": "city"}
_INSTALLATION_COLUMNS = {"name": "installation", "deployment": "deployment",
                         "hardware_model": "hardware_model",
                         "firmware_version": "firmware_version"}


def _model_errors(error: ValidationError, columns: dict[str, str]) -> list[tuple[str, str]]:
    found = []
    for name, messages in error.message_dict.items():
        for message in messages:
            found.append((columns.get(name, ""), message))
    return found


class _Checker:
    def __init__(self, *, user: User, today: date, has_reseller_column: bool):
        self.user = user
        self.today = today
        self.staff = is_distributor_staff(user)
        self.own = reseller_of(user)
        if not self.staff and self.own is None:
            raise ImportFileError(_("Your user belongs to no reseller; ask the distributor."))
        if self.staff and not has_reseller_column:
            raise ImportFileError(_(
                "The file has no reseller column. Distributor staff name each customer's "
                "reseller in a column called reseller."))
        self.resellers = {r.name: r for r in Reseller.objects.all()} if self.staff else {}
        self.license_types = {t.code.lower(): t for t in LicenseType.objects.all()}
        self.errors: list[RowError] = []

    def error(self, row: _Row, column: str, message: str) -> None:
        self.errors.append(RowError(row.line, column, message))
        row.ok = False

    def check(self, raw: CsvRow) -> _Row:
        cells = raw.cells
        row = _Row(line=raw.line)
        if "__extra__" in cells:
            self.error(row, "", _("This row has more cells than the header has columns. Is a "
                                  "value with the separator in it missing its quotes?"))
        row.reseller = self._reseller(row, cells.get("reseller", ""))
        row.customer = cells.get("customer", "")
        if not row.customer:
            self.error(row, "customer", _("Name the customer."))
        row.org_number = clean_org_number(cells.get("org_number", ""))
        if row.org_number:
            try:
                validate_org_number(row.org_number)
            except ValidationError:
                self.error(row, "org_number", _(
                    "“%(value)s” is not a valid Norwegian organisation number (nine digits with "
                    "a valid check digit).") % {"value": cells["org_number"]})
        row.email = cells.get("customer_email", "")
        row.city = cells.get("city", "")
        row.installation = cells.get("installation", "")
        deployment = cells.get("deployment", "").lower()
        if deployment in DEPLOYMENTS:
            row.deployment = DEPLOYMENTS[deployment]
        else:
            self.error(row, "deployment", _(
                "“%(value)s” is not a deployment; write on-premise or skypbx (or leave it empty "
                "for on-premise).") % {"value": cells["deployment"]})
        row.hardware_model = cells.get("hardware_model", "")
        row.firmware_version = cells.get("firmware_version", "")
        self._model_fields(row)
        self._holding_cells(row, cells)
        self._history_cells(row, cells)
        return row

    def _history_cells(self, row: _Row, cells: dict[str, str]) -> None:
        row.paid_until, row.ranges, problems = read_history_cells(cells, today=self.today)
        for column, message in problems:
            self.error(row, column, message)
        if not row.installation and (cells.get("paid_until") or cells.get("periods")):
            self.error(row, "paid_until" if cells.get("paid_until") else "periods", _(
                "Name the installation this agreement history belongs to."))

    def _model_fields(self, row: _Row) -> None:
        """Lengths and formats as the models define them, so the commit cannot trip on them."""
        customer = Customer(name=row.customer, email=row.email, city=row.city)
        installation = Installation(name=row.installation, deployment=row.deployment,
                                    hardware_model=row.hardware_model,
                                    firmware_version=row.firmware_version)
        for instance, columns in ((customer, _CUSTOMER_COLUMNS),
                                  (installation, _INSTALLATION_COLUMNS)):
            empty = [name for name in columns if getattr(instance, name) == ""]
            try:
                instance.clean_fields(exclude=[
                    f.name for f in instance._meta.fields if f.name not in columns
                ] + empty)
            except ValidationError as error:
                for column, message in _model_errors(error, columns):
                    self.error(row, column, message)

    def _reseller(self, row: _Row, name: str) -> Reseller | None:
        if not self.staff:
            if name and name.casefold() != self.own.name.casefold():
                self.error(row, "reseller", _(
                    "You can import only your own customers: leave the reseller empty or write "
                    "“%(own)s”.") % {"own": self.own.name})
                return None
            return self.own
        if not name:
            self.error(row, "reseller", _("Name the reseller (exactly as in the portal)."))
            return None
        reseller = self.resellers.get(name)
        if reseller is None:
            self.error(row, "reseller", _("No reseller is named “%(name)s” in the portal; check "
                                          "the spelling.") % {"name": name})
        return reseller

    def _holding_cells(self, row: _Row, cells: dict[str, str]) -> None:
        code = cells.get("license_code", "")
        quantity, activated_on = cells.get("quantity", ""), cells.get("activated_on", "")
        rented = cells.get("rented", "").lower()
        if not code:
            if quantity or activated_on or rented in YES:
                self.error(row, "license_code", _(
                    "Name the license type (its code) for this quantity, or leave quantity and "
                    "date empty to create only the customer and installation."))
            return
        if not row.installation:
            self.error(row, "installation", _("Name the installation these licenses belong "
                                              "to."))
        row.license_type = self.license_types.get(code.lower())
        if row.license_type is None:
            self.error(row, "license_code", _(
                "“%(code)s” is not a license code of the catalogue (e.g. port, uc, voicemail).")
                % {"code": code})
        row.quantity = self._quantity(row, quantity)
        row.activated_on = self._activation(row, activated_on)
        if rented in YES:
            row.rented = True
        elif rented not in NO:
            self.error(row, "rented", _("Write yes or no (or leave it empty for no)."))

    def _quantity(self, row: _Row, value: str) -> int | None:
        digits = value.replace(" ", "").replace("\u00a0", "")
        if not digits:
            self.error(row, "quantity", _("Give the number of licenses."))
            return None
        if not re.fullmatch(r"[+-]?\d+", digits):
            self.error(row, "quantity", _("“%(value)s” is not a whole number.")
                       % {"value": value})
            return None
        quantity = int(digits)
        if quantity < 1:
            self.error(row, "quantity", _("The quantity must be at least 1."))
            return None
        if quantity > MAX_QUANTITY:
            self.error(row, "quantity", _("At most %(max)s licenses in one row.")
                       % {"max": f"{MAX_QUANTITY:,}".replace(",", " ")})
            return None
        return quantity

    def _activation(self, row: _Row, value: str) -> date | None:
        if not value:
            self.error(row, "activated_on", _("Give the date the licenses were activated."))
            return None
        day = parse_date(value)
        if day is None:
            self.error(row, "activated_on", _(
                "“%(value)s” is not a date; write YYYY-MM-DD or DD.MM.YYYY.") % {"value": value})
            return None
        if day > self.today:
            self.error(row, "activated_on", _("The activation date is in the future."))
            return None
        if day < EARLIEST_ACTIVATION:
            self.error(row, "activated_on", _("The activation date is before 1997; check the "
                                              "year."))
            return None
        return day


class _Planner:
    """Finds or plans the customer, installation and holding of each checked row."""

    def __init__(self, rows: list[_Row], plan: ImportPlan):
        self.plan = plan
        resellers = {row.reseller.pk for row in rows if row.reseller is not None}
        customers = list(Customer.objects.filter(reseller__in=resellers))
        self.by_org: dict[tuple[int, str], list[Customer]] = defaultdict(list)
        self.by_name: dict[tuple[int, str], list[Customer]] = defaultdict(list)
        for customer in customers:
            if customer.org_number:
                self.by_org[customer.reseller_id, customer.org_number].append(customer)
            self.by_name[customer.reseller_id, customer.name.casefold()].append(customer)
        self.installations: dict[tuple[int, str], list[Installation]] = defaultdict(list)
        for installation in Installation.objects.filter(customer__in=customers):
            key = (installation.customer_id, installation.name.casefold())
            self.installations[key].append(installation)
        self.recorded = Counter(
            (h.installation_id, h.license_type_id, h.quantity, h.activated_on, h.rented)
            for h in LicenseHolding.objects.filter(installation__customer__in=customers,
                                                   ended_on__isnull=True)
        )
        # A row without an org number belongs to the customer that another row of the file
        # gives the same name and an org number.
        self.org_of_name: dict[tuple[int, str], set[str]] = defaultdict(set)
        for row in rows:
            if row.reseller is not None and row.customer and row.org_number:
                self.org_of_name[row.reseller.pk, row.customer.casefold()].add(row.org_number)
        self.planned_customers: dict[tuple, PlannedCustomer] = {}
        self.planned_installations: dict[tuple, PlannedInstallation] = {}

    def error(self, row: _Row, column: str, message: str) -> None:
        self.plan.errors.append(RowError(row.line, column, message))

    def warn(self, row: _Row, column: str, message: str) -> None:
        self.plan.warnings.append(RowError(row.line, column, message))

    def add(self, row: _Row) -> None:
        customer = self._customer(row)
        if customer is None:
            return
        if not row.installation:
            return
        installation = self._installation(row, customer)
        if installation is None:
            return
        for column, message in note_history(installation.history, line=row.line,
                                            paid_until=row.paid_until, ranges=row.ranges):
            self.error(row, column, message)
        if row.license_type is None:
            return
        holding = PlannedHolding(
            installation=installation, license_type=row.license_type, quantity=row.quantity,
            activated_on=row.activated_on, rented=row.rented, line=row.line,
        )
        if installation.existing is not None:
            key = (installation.existing.pk, row.license_type.pk, row.quantity,
                   row.activated_on, row.rented)
            if self.recorded[key] > 0:
                self.recorded[key] -= 1
                holding.already_recorded = True
                self.warn(row, "license_code", _(
                    "These licenses are already recorded on %(installation)s; the row is "
                    "skipped.") % {"installation": installation.name})
        self.plan.holdings.append(holding)

    def _customer(self, row: _Row) -> PlannedCustomer | None:
        reseller = row.reseller
        org = row.org_number
        if not org:
            orgs = self.org_of_name.get((reseller.pk, row.customer.casefold()), set())
            if len(orgs) > 1:
                self.error(row, "org_number", _(
                    "Other rows give “%(name)s” different organisation numbers; give the "
                    "organisation number on this row too.") % {"name": row.customer})
                return None
            if orgs:
                org = next(iter(orgs))
        key = (reseller.pk, "org", org) if org else (reseller.pk, "name", row.customer.casefold())
        planned = self.planned_customers.get(key)
        if planned is not None:
            return planned
        if org:
            matches = self.by_org.get((reseller.pk, org), [])
        else:
            matches = self.by_name.get((reseller.pk, row.customer.casefold()), [])
        if len(matches) > 1:
            self.error(row, "customer" if not org else "org_number", _(
                "%(reseller)s has %(count)d customers matching this row; give the organisation "
                "number to tell them apart.") % {"reseller": reseller.name,
                                                  "count": len(matches)})
            return None
        planned = PlannedCustomer(
            reseller=reseller, name=row.customer, org_number=org, email=row.email,
            city=row.city, line=row.line, existing=matches[0] if matches else None,
        )
        if planned.is_new and org and self.by_name.get((reseller.pk, row.customer.casefold())):
            self.warn(row, "org_number", _(
                "A customer named “%(name)s” exists without this organisation number; a new "
                "customer will be created.") % {"name": row.customer})
        self.planned_customers[key] = planned
        self.plan.customers.append(planned)
        return planned

    def _installation(self, row: _Row, customer: PlannedCustomer) -> PlannedInstallation | None:
        key = (id(customer), row.installation.casefold())
        planned = self.planned_installations.get(key)
        if planned is not None:
            return planned
        matches = []
        if customer.existing is not None:
            matches = self.installations.get(
                (customer.existing.pk, row.installation.casefold()), [])
        if len(matches) > 1:
            self.error(row, "installation", _(
                "%(customer)s has %(count)d installations named “%(name)s”; rename one of them "
                "in the portal first.") % {"customer": customer.name, "count": len(matches),
                                           "name": row.installation})
            return None
        planned = PlannedInstallation(
            customer=customer, name=row.installation, deployment=row.deployment,
            hardware_model=row.hardware_model, firmware_version=row.firmware_version,
            line=row.line, existing=matches[0] if matches else None,
        )
        self.planned_installations[key] = planned
        self.plan.installations.append(planned)
        return planned


def plan_import(parsed: ParsedCsv, *, user: User, today: date) -> ImportPlan:
    """What importing these rows would create, and every problem, row by row. Reads the database;
    writes nothing. Raises ImportFileError when the file as a whole cannot be used."""
    checker = _Checker(user=user, today=today, has_reseller_column="reseller" in parsed.columns)
    rows = [checker.check(raw) for raw in parsed.rows]
    plan = ImportPlan(row_count=len(rows), errors=checker.errors,
                      ignored_columns=parsed.ignored_columns)
    planner = _Planner([row for row in rows if row.ok], plan)
    for row in rows:
        if row.ok:
            planner.add(row)
    # The periods pay for the rows' licenses: an installation with a row in error waits.
    plan_history(plan, today=today, unsure={row.installation.casefold() for row in rows
                                            if not row.ok and row.installation})
    plan.errors.sort(key=lambda error: error.line)
    plan.warnings.sort(key=lambda warning: warning.line)
    plan.history_warnings.sort(key=lambda warning: warning.line)
    return plan


def plan_upload(data: bytes, *, user: User, today: date) -> tuple[str, ImportPlan]:
    """Decode, read and plan an uploaded file: the text (for the confirm step) and the plan."""
    text = decode_upload(data)
    return text, plan_import(read_csv(text), user=user, today=today)
