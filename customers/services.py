"""Every write to customers, installations, holdings and agreement periods
(docs/DOMAIN.md#installations-holdings-and-agreement-periods).

Keyword-only, typed functions named `<entity>_<action>`. Each validates the domain rules and
raises `common.errors.DomainError` with a message the user can act on (naming the form field
to blame where there is one), and changes nothing when it refuses.
"""

from collections.abc import Callable, Iterable
from datetime import date

from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, ProtectedError, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from common import freshness, queue
from common.errors import DomainError
from common.history import changes_made_by
from common.months import add_months, is_first_of_month
from customers.access import STAFF_GROUP, is_distributor_staff, reseller_of
from customers.models import (
    AgreementPeriod,
    Customer,
    ImportJob,
    Installation,
    LicenseHolding,
    LicenseType,
    Membership,
    PeriodSource,
    Reseller,
)
from customers.periods import validate_period
from customers.validators import normalize_org_number

CUSTOMER_FIELDS = (
    "name", "org_number", "contact_name", "email", "phone", "street", "postal_code", "city",
    "language",
)
INSTALLATION_FIELDS = (
    "name", "deployment", "hardware_model", "firmware_version", "serial_number", "notes",
)


def _full_clean(obj, exclude: Iterable[str] = ()) -> None:
    """The model's own validation (field lengths, choices, validators) as a DomainError."""
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as error:
        raise DomainError.from_validation_error(error) from None


# --- customers -------------------------------------------------------------------------------


@transaction.atomic
def customer_create(*, user: User, reseller: Reseller | None = None, **fields) -> Customer:
    """Resellers create customers for themselves; staff name the reseller."""
    own = reseller_of(user)
    if not is_distributor_staff(user):
        if own is None:
            raise DomainError(_("Your user belongs to no reseller; ask the distributor."))
        reseller = own
    if reseller is None:
        raise DomainError(_("Choose the reseller this customer belongs to."), field="reseller")
    customer = Customer(reseller=reseller, **_pick(fields, CUSTOMER_FIELDS))
    customer.org_number = normalize_org_number(customer.org_number)
    _full_clean(customer)
    customer.save()
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, user: User, **fields) -> Customer:
    for name, value in _pick(fields, CUSTOMER_FIELDS).items():
        setattr(customer, name, value)
    customer.org_number = normalize_org_number(customer.org_number)
    _full_clean(customer)
    customer.save()
    return customer


@transaction.atomic
def customer_move(*, customer: Customer, reseller: Reseller, user: User) -> Customer:
    """Staff move a customer to another reseller
    (docs/DOMAIN.md#when-a-customer-moves-to-another-reseller)."""
    if not is_distributor_staff(user):
        raise DomainError(_("Only distributor staff can move a customer to another reseller."))
    customer.reseller = reseller
    customer.save(update_fields=["reseller"])
    freshness.changed(freshness.INSTALLATIONS)
    return customer


def _pick(fields: dict, allowed: tuple[str, ...]) -> dict:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    return fields


# --- installations ---------------------------------------------------------------------------


@transaction.atomic
def installation_create(*, customer: Customer, **fields) -> Installation:
    installation = Installation(customer=customer, **_pick(fields, INSTALLATION_FIELDS))
    _full_clean(installation)
    installation.save()
    return installation


@transaction.atomic
def installation_update(*, installation: Installation, **fields) -> Installation:
    for name, value in _pick(fields, INSTALLATION_FIELDS).items():
        setattr(installation, name, value)
    _full_clean(installation)
    installation.save()
    freshness.changed(freshness.INSTALLATIONS)
    return installation


# --- holdings --------------------------------------------------------------------------------


def check_ended_on(ended_on: date | None, activated_on: date) -> None:
    """Licenses end on a first-of-month after their activation (DomainError on `ended_on`)."""
    if ended_on is None:
        return
    if not is_first_of_month(ended_on):
        raise DomainError(_("Licenses end on the first day of a month."), field="ended_on")
    if ended_on <= activated_on:
        raise DomainError(_("The end must be after the activation date."), field="ended_on")


def _is_paid(holding: LicenseHolding) -> bool:
    return holding.pk is not None and holding.periods.exists()


@transaction.atomic
def holding_add(
    *, installation: Installation, license_type: LicenseType, quantity: int,
    activated_on: date, rented: bool = False, ended_on: date | None = None,
) -> LicenseHolding:
    """More licenses are always a new holding (docs/DOMAIN.md#installations-and-holdings)."""
    check_ended_on(ended_on, activated_on)
    holding = LicenseHolding(
        installation=installation, license_type=license_type, quantity=quantity,
        activated_on=activated_on, rented=rented, ended_on=ended_on,
    )
    _full_clean(holding)
    holding.save()
    freshness.changed(freshness.INSTALLATIONS)
    return holding


@transaction.atomic
def holding_update(
    *, holding: LicenseHolding, license_type: LicenseType, quantity: int, activated_on: date,
    rented: bool,
) -> LicenseHolding:
    """Correct a typo in a holding nothing has paid for yet. A paid holding keeps its type,
    quantity and date: more is a new holding, fewer ends it."""
    holding = LicenseHolding.objects.select_for_update().get(pk=holding.pk)
    changed = (
        holding.license_type_id != license_type.pk or holding.quantity != quantity
        or holding.activated_on != activated_on or holding.rented != rented
    )
    if changed and _is_paid(holding):
        raise DomainError(
            _("An agreement period has paid for these licenses, so they cannot be changed. "
              "Add a new holding for more licenses, or end this one for fewer.")
        )
    check_ended_on(holding.ended_on, activated_on)
    holding.license_type, holding.quantity = license_type, quantity
    holding.activated_on, holding.rented = activated_on, rented
    _full_clean(holding)
    holding.save()
    freshness.changed(freshness.INSTALLATIONS)
    return holding


def check_keep(holding: LicenseHolding, keep: int) -> None:
    """Ending a holding keeps fewer licenses than it has (DomainError on `keep`)."""
    if not 0 <= keep < holding.quantity:
        raise DomainError(_("Keep between 0 and %(max)d licenses; to add licenses, add a new "
                            "holding.") % {"max": holding.quantity - 1}, field="keep")


@transaction.atomic
def holding_end(*, holding: LicenseHolding, ended_on: date, keep: int = 0) -> LicenseHolding | None:
    """End a holding from a first-of-month. If `keep` licenses remain, they continue as a new
    holding from that month, still paid by the periods that paid the original for later months.
    Returns the remaining holding, if any."""
    holding = LicenseHolding.objects.select_for_update().get(pk=holding.pk)
    if holding.ended_on is not None:
        raise DomainError(_("These licenses have already ended."))
    check_ended_on(ended_on, holding.activated_on)
    check_keep(holding, keep)
    holding.ended_on = ended_on
    holding.save(update_fields=["ended_on"])
    freshness.changed(freshness.INSTALLATIONS)
    if keep == 0:
        return None
    remaining = LicenseHolding.objects.create(
        installation=holding.installation, license_type=holding.license_type, quantity=keep,
        activated_on=ended_on, rented=holding.rented,
    )
    # The months after ended_on that were paid for the original batch stay paid for what remains.
    for period in holding.periods.filter(end__gt=ended_on):
        period.holdings.add(remaining)
    return remaining


@transaction.atomic
def holding_delete(*, holding: LicenseHolding) -> None:
    if _is_paid(holding):
        raise DomainError(
            _("An agreement period has paid for these licenses, so they cannot be deleted. "
              "End them from a month instead.")
        )
    try:
        holding.delete()
        freshness.changed(freshness.INSTALLATIONS)
    except ProtectedError:
        # An issued offer charges them (the quotes app protects its copy of the holding).
        raise DomainError(
            _("An issued offer charges these licenses, so they cannot be deleted. End them "
              "from a month instead.")
        ) from None


# --- agreement periods -----------------------------------------------------------------------


@transaction.atomic
def period_create(
    *, installation: Installation, start: date, end: date, holdings: Iterable[LicenseHolding],
    user: User | None = None, source: str = PeriodSource.MANUAL, note: str = "",
) -> AgreementPeriod:
    # Lock the installation so two concurrent writes cannot both pass the "paid twice" check.
    Installation.objects.select_for_update().get(pk=installation.pk)
    holdings = list(holdings)
    validate_period(installation_id=installation.pk, start=start, end=end, holdings=holdings)
    period = AgreementPeriod.objects.create(
        installation=installation, start=start, end=end, source=source, note=note,
        created_by=user,
    )
    period.holdings.set(holdings)
    installations_refresh_paid_until(Installation.objects.filter(pk=installation.pk))
    return period


def _require_manual(period: AgreementPeriod) -> None:
    if period.source != PeriodSource.MANUAL:
        raise DomainError(_("This period was made by accepting an offer; undo that acceptance "
                                "instead of editing the period."))


@transaction.atomic
def period_update(
    *, period: AgreementPeriod, start: date, end: date, holdings: Iterable[LicenseHolding],
    note: str = "",
) -> AgreementPeriod:
    _require_manual(period)
    Installation.objects.select_for_update().get(pk=period.installation_id)
    holdings = list(holdings)
    validate_period(installation_id=period.installation_id, start=start, end=end,
                    holdings=holdings, exclude_pk=period.pk)
    period.start, period.end, period.note = start, end, note
    period.save()
    period.holdings.set(holdings)
    installations_refresh_paid_until(Installation.objects.filter(pk=period.installation_id))
    return period


@transaction.atomic
def period_delete(*, period: AgreementPeriod) -> None:
    _require_manual(period)
    period.delete()
    installations_refresh_paid_until(Installation.objects.filter(pk=period.installation_id))


def installations_refresh_paid_until(installations: QuerySet[Installation]) -> int:
    """Set each installation's `paid_until` to the latest end of its periods, in one UPDATE.

    Every write of agreement periods calls this (and bulk loaders once at the end)."""
    freshness.changed(freshness.INSTALLATIONS)
    latest_end = (AgreementPeriod.objects.filter(installation=OuterRef("pk"))
                  .order_by("-end").values("end")[:1])
    return installations.update(paid_until=Subquery(latest_end))


# --- users -----------------------------------------------------------------------------------


@transaction.atomic
def user_invite(
    *, email: str, first_name: str, last_name: str, reseller: Reseller | None, invited_by: User,
    staff: bool = False,
) -> User:
    """Create an inactive-password user for a reseller (or staff). The caller sends the e-mail
    with the set-password link once this commits."""
    if not is_distributor_staff(invited_by):
        raise DomainError(_("Only distributor staff can invite users."))
    email = User.objects.normalize_email(email).strip()
    if User.objects.filter(username__iexact=email).exists() or User.objects.filter(
        email__iexact=email
    ).exists():
        raise DomainError(_("A user with this e-mail address already exists."), field="email")
    if not staff and reseller is None:
        raise DomainError(_("Choose the reseller this user works for."), field="reseller")
    # Staff get the Django admin for inspection; their group decides what they see there.
    user = User(username=email, email=email, first_name=first_name, last_name=last_name,
                is_staff=staff)
    user.set_unusable_password()
    user.save()
    if staff:
        user.groups.add(Group.objects.get(name=STAFF_GROUP))
    else:
        Membership.objects.create(user=user, reseller=reseller)
    return user


# --- imports (docs/IMPORT.md) ----------------------------------------------------------------
# Imported here rather than at the top: these planners read the models above, never services.
from customers.imports import ImportFileError, csv_import, pbx  # noqa: E402


@transaction.atomic
def csv_import_commit(
    *, user: User, text: str, today: date, filename: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> csv_import.ImportPlan:
    """Import a CSV of customers, installations, holdings and agreement history: all rows or
    none. The file is planned again inside the transaction, so the rules are exactly those of
    the preview; any error refuses the whole file with the rows named, and nothing is written.
    The history's periods are created last, through `period_create`, once the holdings they
    pay for exist (which also keeps each installation's paid_until)."""
    try:
        plan = csv_import.plan_import(csv_import.read_csv(text), user=user, today=today)
    except ImportFileError as error:
        raise DomainError(error.message) from None
    if plan.errors:
        raise DomainError(errors={None: [str(error) for error in plan.errors]})
    steps = (len(plan.customers) + len(plan.installations) + len(plan.new_holdings)
             + len(plan.new_periods))
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None and (done % 50 == 0 or done == steps):
            progress(done, steps)

    created_customers: dict[int, Customer] = {}
    for planned in plan.customers:
        step()
        if planned.existing is not None:
            created_customers[id(planned)] = planned.existing
            continue
        customer = _imported(planned.line, lambda p=planned: customer_create(
            user=user, reseller=p.reseller, name=p.name, org_number=p.org_number,
            email=p.email, city=p.city))
        created_customers[id(planned)] = customer
    installations: dict[int, Installation] = {}
    for planned in plan.installations:
        step()
        if planned.existing is not None:
            installations[id(planned)] = planned.existing
            continue
        installations[id(planned)] = _imported(planned.line, lambda p=planned: installation_create(
            customer=created_customers[id(p.customer)], name=p.name, deployment=p.deployment,
            hardware_model=p.hardware_model, firmware_version=p.firmware_version))
    holdings: dict[int, LicenseHolding] = {}
    for planned in plan.new_holdings:
        step()
        holdings[id(planned)] = _imported(planned.line, lambda p=planned: holding_add(
            installation=installations[id(p.installation)], license_type=p.license_type,
            quantity=p.quantity, activated_on=p.activated_on, rented=p.rented))
    for planned in plan.new_periods:
        step()
        note = (_("CSV import %(file)s, line %(line)d") if filename
                else _("CSV import, line %(line)d")) % {"file": filename, "line": planned.line}
        _imported(planned.line, lambda p=planned, note=note: period_create(
            installation=installations[id(p.installation)], start=p.start, end=p.end,
            holdings=[h if isinstance(h, LicenseHolding) else holdings[id(h)]
                      for h in p.holdings],
            user=user, source=PeriodSource.MANUAL, note=note[:250]))
    return plan


def csv_import_start(*, user: User, text: str, filename: str) -> ImportJob:
    """Queue the commit of a previewed file: the worker imports it (a 5,000-row file takes
    longer than a request may), and the job's page follows it."""
    job = ImportJob.objects.create(created_by=user, text=text, filename=filename[:255])
    transaction.on_commit(lambda: queue.enqueue("csv_import", job.pk))
    return job


def _progress_key(job_id: int) -> str:
    return f"csv-import-progress:{job_id}"


def import_progress(job: ImportJob) -> tuple[int, int] | None:
    """(steps done, steps in all) of a job being imported, from the shared cache."""
    return cache.get(_progress_key(job.pk))


def csv_import_run(*, job_id: int, today: date | None = None) -> ImportJob:
    """Import a queued job's file (all or nothing), once: the job's row is locked while it
    runs, and a job that has ended is left as it is."""
    today = today or timezone.localdate()
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("created_by").get(
            pk=job_id)
        if job.status != ImportJob.Status.QUEUED:
            return job
        try:
            with changes_made_by(job.created_by):
                plan = csv_import_commit(
                    user=job.created_by, text=job.text, today=today, filename=job.filename,
                    progress=lambda done, steps: cache.set(_progress_key(job.pk),
                                                           (done, steps), 60 * 60))
        except DomainError as error:
            job.status, job.errors = ImportJob.Status.FAILED, error.messages
        else:
            job.status = ImportJob.Status.DONE
            job.summary = {"customers": len(plan.new_customers),
                           "installations": len(plan.new_installations),
                           "holdings": len(plan.new_holdings), "periods": len(plan.new_periods)}
        job.text, job.finished_at = "", timezone.now()  # the data is in the inventory now
        job.save(update_fields=["status", "errors", "summary", "text", "finished_at"])
    cache.delete(_progress_key(job.pk))
    return job


def _imported(line: int, create):
    """Run one service call of an import; a refusal names the file's line (and rolls back)."""
    try:
        return create()
    except DomainError as error:
        raise DomainError(errors={None: [
            _("Line %(line)d: %(message)s") % {"line": line, "message": message}
            for message in error.messages]}) from None


@transaction.atomic
def installation_pbx_apply(
    *, installation: Installation, targets: dict[str, int], activated_on: date,
    expected_current: dict[str, int] | None = None,
) -> list[pbx.DiffLine]:
    """Bring an installation's licenses to the quantities counted in its PBX user list
    (docs/DOMAIN.md#the-pbx-user-list-import): an increase is a new holding activated on
    `activated_on` (the import date); a decrease ends holdings from the first of the next
    month, newest first, keeping the rest. Types not in `targets`, and unchanged types, are
    left alone. `expected_current` (what the user reviewed) refuses the change if the
    installation has changed since. Returns the diff lines applied."""
    Installation.objects.select_for_update().get(pk=installation.pk)
    types = {t.code: t for t in LicenseType.objects.filter(code__in=list(targets))}
    unknown = sorted(set(targets) - set(types))
    if unknown:
        raise DomainError(_("These license types are no longer in the catalogue: "
                                "%(codes)s.") % {"codes": ", ".join(unknown)})
    for code, quantity in targets.items():
        if not 0 <= quantity <= pbx.MAX_QUANTITY:
            raise DomainError(_("%(name)s: give a quantity between 0 and %(max)d.") % {
                "name": types[code].name, "max": pbx.MAX_QUANTITY})
    holdings = list(pbx.open_holdings(installation, today=activated_on, codes=targets))
    current = dict.fromkeys(targets, 0)
    for holding in holdings:
        current[holding.license_type.code] += holding.quantity
    if expected_current is not None and any(
        current[code] != expected_current.get(code, 0) for code in targets
    ):
        raise DomainError(_("The licenses of this installation changed after you reviewed "
                                "the import. Nothing was changed; review the import again."))
    ended_on = add_months(activated_on.replace(day=1), 1)
    lines = pbx.diff(current, targets, {code: t.localized_name for code, t in types.items()})
    for line in lines:
        if line.change > 0:
            holding_add(installation=installation, license_type=types[line.code],
                        quantity=line.change, activated_on=activated_on)
        elif line.change < 0:
            batches = [pbx.Batch(h.pk, h.quantity, h.activated_on) for h in holdings
                       if h.license_type.code == line.code]
            by_pk = {h.pk: h for h in holdings}
            for pk, keep in pbx.plan_decrease(batches, -line.change):
                holding_end(holding=by_pk[pk], ended_on=ended_on, keep=keep)
    return [line for line in lines if line.change]
