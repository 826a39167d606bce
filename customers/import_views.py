"""The import pages (docs/IMPORT.md): the CSV of customers, installations and licenses, and an
installation's PBX user list. Thin views: they read through customers/access.py, parse and plan
through customers/imports/, and write through one service each.

Nothing is kept on the server between the steps: the uploaded content (CSV) or its counts (PBX)
travel in a signed hidden field, so a step can be re-submitted but not tampered with, and every
write re-checks the user's rights and the rules.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from common import uploads
from common.errors import DomainError
from common.months import add_months, first_of_month
from customers import access, services
from customers.imports import ImportFileError, csv_import, pbx
from customers.models import LicenseType

CSV_SALT = "customers.csv-import"
CSV_TOKEN_MAX_AGE = 24 * 60 * 60
CSV_TOKEN_MAX_LENGTH = 2_000_000  # stays below Django's 2.5 MB limit on a form's fields
PREVIEW_ROWS = 500  # the preview lists at most this many of each kind


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))

    def __init__(self, *args, max_bytes: int, help_text: str, accept: str,
                 too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        # Refused unread for its size (common/uploads.py): the file is not there to ask about.
        self.too_large = too_large
        self.fields["file"].required = not too_large
        self.fields["file"].help_text = help_text
        self.fields["file"].widget.attrs["accept"] = accept

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if self.too_large or upload.size > self.max_bytes:
            raise ValidationError(_("The file is larger than %(size)d MB.")
                                  % {"size": self.max_bytes // (1024 * 1024)})
        return upload


# --- CSV -------------------------------------------------------------------------------------


def _may_import_csv(user) -> bool:
    return access.is_distributor_staff(user) or access.reseller_of(user) is not None


def _csv_form(request=None) -> UploadForm:
    kwargs = {
        "max_bytes": csv_import.MAX_UPLOAD_BYTES, "accept": ".csv,text/csv,text/plain",
        "help_text": _("A .csv file in UTF-8, separated by ; or , — at most 2 MB and "
                       "%(rows)s rows.") % {"rows": "5 000"},
    }
    return _bound(UploadForm, request, **kwargs)


def _bound(form_class, request, **kwargs):
    if request is None or request.method != "POST":
        return form_class(**kwargs)
    data, files = request.POST, request.FILES  # reading them applies the upload limit
    return form_class(data, files, too_large=uploads.too_large(request), **kwargs)


def _refuse_without_reseller(request):
    messages.error(request, _("Your user belongs to no reseller; ask the distributor."))
    return redirect("customer_list")


@login_required
@require_http_methods(["GET", "POST"])
@uploads.limit_upload(csv_import.MAX_UPLOAD_BYTES)
def csv_import_upload(request):
    """Upload → a dry run: the preview of what would be created and every row's problems."""
    if not _may_import_csv(request.user):
        return _refuse_without_reseller(request)
    form = _csv_form(request)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text, plan = csv_import.plan_upload(upload.read(), user=request.user,
                                                today=timezone.localdate())
        except ImportFileError as error:
            form.add_error("file", error.message)
        else:
            return _csv_preview(request, plan=plan, text=text, filename=upload.name)
    return render(request, "customers/imports/csv_upload.html", {
        "form": form, "columns": _csv_columns(request.user),
    })


def _csv_columns(user) -> list[tuple[str, bool, str]]:
    """(column, required, what to write) for the format table on the upload page."""
    staff = access.is_distributor_staff(user)
    return [
        ("reseller", staff,
         _("The reseller's exact name in the portal.") if staff else
         _("Leave empty, or write your own company's name.")),
        ("customer", True, _("The customer's name.")),
        ("org_number", False, _("Nine digits; finds an existing customer.")),
        ("customer_email", False, _("For a new customer.")),
        ("city", False, _("For a new customer.")),
        ("installation", True, _("The PBX's name within the customer.")),
        ("deployment", False, _("on-premise (the default) or skypbx.")),
        ("hardware_model", False, _("E.g. IP811, IPVA.")),
        ("firmware_version", False, _("E.g. 14r2.")),
        ("license_code", True, _("port, uc, voicemail, … (empty: no licenses)")),
        ("quantity", True, _("A whole number from 1.")),
        ("activated_on", True, _("YYYY-MM-DD or DD.MM.YYYY.")),
        ("rented", False, _("yes/ja or no/nei (empty: no).")),
        ("paid_until", False, _("The first month the SSA no longer covers: 2026-07 means up to "
                                "and including June 2026. Records the year before it.")),
        ("periods", False, _("Past agreement periods, start..end (end not included), separated "
                             "by | or ,: 2022-07..2023-07|2023-07..2024-07.")),
    ]


def _csv_preview(request, *, plan, text: str, filename: str, commit_errors=(), status=200):
    token = ""
    too_large = False
    if plan.is_valid and plan.changes_anything and not commit_errors:
        token = signing.dumps({"text": text, "file": filename[:200]}, salt=CSV_SALT,
                              compress=True)
        if len(token) > CSV_TOKEN_MAX_LENGTH:
            token, too_large = "", True
    return render(request, "customers/imports/csv_preview.html", {
        "plan": plan, "token": token, "filename": filename, "too_large": too_large,
        "commit_errors": commit_errors, "limit": PREVIEW_ROWS,
        "errors": plan.errors[:PREVIEW_ROWS], "warnings": plan.warnings[:PREVIEW_ROWS],
        "new_customers": plan.new_customers[:PREVIEW_ROWS],
        "new_installations": plan.new_installations[:PREVIEW_ROWS],
        "new_holdings": plan.new_holdings[:PREVIEW_ROWS],
        "new_periods": plan.new_periods[:PREVIEW_ROWS],
        "history_warnings": plan.history_warnings[:PREVIEW_ROWS],
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def csv_import_confirm(request):
    """Commit the previewed file: all rows in one transaction, or nothing."""
    if not _may_import_csv(request.user):
        return _refuse_without_reseller(request)
    if request.method == "GET":
        return redirect("csv_import")
    try:
        payload = signing.loads(request.POST.get("payload", ""), salt=CSV_SALT,
                                max_age=CSV_TOKEN_MAX_AGE)
        text, filename = str(payload["text"]), str(payload["file"])
    except (signing.BadSignature, KeyError, TypeError):
        messages.error(request, _("The previewed file has expired or is not valid; upload it "
                                  "again."))
        return redirect("csv_import")
    # The file is checked again now (the data may have changed since the preview); only the
    # commit, which may take longer than a request, runs in the background.
    try:
        plan = csv_import.plan_import(csv_import.read_csv(text), user=request.user,
                                      today=timezone.localdate())
    except ImportFileError as file_error:
        messages.error(request, file_error.message)
        return redirect("csv_import")
    if plan.errors:
        return _csv_preview(request, plan=plan, text=text, filename=filename,
                            commit_errors=[str(error) for error in plan.errors])
    job = services.csv_import_start(user=request.user, text=text, filename=filename)
    return redirect("csv_import_job", pk=job.pk)


@login_required
def csv_import_job(request, pk: int):
    """A committed file on its way in: progress while the worker imports it, then what came of
    it (htmx refreshes the page until it has ended)."""
    job = access.get_import_job_for_user(request.user, pk)
    progress = services.import_progress(job)
    return render(request, "customers/imports/csv_job.html", {
        "job": job,
        "percent": round(100 * progress[0] / progress[1]) if progress and progress[1] else 0,
    })


@login_required
def csv_import_sample(request):
    path = settings.BASE_DIR / "docs" / "sample-import.csv"
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename="sample-import.csv",
                        content_type="text/csv; charset=utf-8")


# --- PBX user list ---------------------------------------------------------------------------

NO_LOCATION = "(none)"  # the choice value for users whose `loc` is empty


def _pbx_form(request=None) -> UploadForm:
    kwargs = {
        "max_bytes": pbx.MAX_UPLOAD_BYTES, "accept": ".xml,text/xml,application/xml",
        "help_text": _("The XML page the PBX shows at mod_cmd_login.xml?cmd=show&user=*, "
                       "saved as a file."),
    }
    return _bound(UploadForm, request, **kwargs)


class LocationForm(forms.Form):
    location = forms.ChoiceField(label=gettext_lazy("Which PBX location is this installation?"),
                                 widget=forms.RadioSelect)

    def __init__(self, *args, user_list: pbx.UserList, installation, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for location in user_list.sorted_locations():
            name = location.name or _("(no location given)")
            count = ngettext("%(count)d user", "%(count)d users", location.users) % {
                "count": location.users}
            choices.append((location.name or NO_LOCATION, f"{name} — {count}"))
        self.fields["location"].choices = choices
        default = pbx.default_location(user_list, installation)
        if not self.is_bound and default is not None:
            self.initial["location"] = default or NO_LOCATION

    def location_name(self) -> str:
        value = self.cleaned_data["location"]
        return "" if value == NO_LOCATION else value


class PortForm(forms.Form):
    port = forms.IntegerField(
        label=gettext_lazy("Port licenses"), min_value=0, max_value=pbx.MAX_QUANTITY,
        widget=forms.NumberInput(attrs={"class": "form-control text-end ms-auto",
                                        "style": "max-width: 7rem"}),
    )


PBX_STEPS = {"pbx_upload.html": 1, "pbx_location.html": 2, "pbx_proposal.html": 3,
             "pbx_review.html": 4}


def _pbx_step(request, installation, template: str, **context):
    steps = [(1, _("Upload")), (2, _("Location")), (3, _("Licenses")), (4, _("Changes"))]
    return render(request, f"customers/imports/{template}", {
        "installation": installation, "customer": installation.customer,
        "steps": steps, "step": PBX_STEPS[template], **context,
    })


def _load_upload(request, installation):
    """The signed upload of the previous step, or None after telling the user why."""
    try:
        return pbx.load_upload(request.POST.get("upload", ""), installation_pk=installation.pk)
    except ImportFileError as error:
        messages.error(request, error.message)
        return None


@login_required
@require_http_methods(["GET", "POST"])
@uploads.limit_upload(pbx.MAX_UPLOAD_BYTES)
def pbx_import_upload(request, pk: int):
    """Step 1: upload the user list → step 2: choose this installation's location."""
    installation = access.get_installation_for_user(request.user, pk)
    form = _pbx_form(request)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            user_list = pbx.parse_user_list(upload.read())
        except ImportFileError as error:
            form.add_error("file", error.message)
        else:
            token = pbx.dump_upload(user_list, installation_pk=installation.pk,
                                    filename=upload.name)
            return _pbx_step(
                request, installation, "pbx_location.html", user_list=user_list,
                upload=token, filename=upload.name,
                form=LocationForm(user_list=user_list, installation=installation))
    return _pbx_step(request, installation, "pbx_upload.html", form=form)


def _location_and_proposal(request, installation, user_list):
    form = LocationForm(request.POST, user_list=user_list, installation=installation)
    if not form.is_valid():
        return form, None
    location = user_list.locations[form.location_name()]
    return form, pbx.propose(location, pbx.catalogue())


def _resume_with_location(request, pk: int):
    """Steps 3 and 4 start alike: the installation, the upload carried along in the form, and
    the chosen location. Returns (installation, a response to go back with, or the step's
    filename, location form and proposal)."""
    installation = access.get_installation_for_user(request.user, pk)
    if request.method == "GET":
        return installation, redirect("pbx_import", pk=installation.pk), None
    loaded = _load_upload(request, installation)
    if loaded is None:
        return installation, redirect("pbx_import", pk=installation.pk), None
    user_list, filename = loaded
    form, proposal = _location_and_proposal(request, installation, user_list)
    if proposal is None:
        return installation, _pbx_step(
            request, installation, "pbx_location.html", user_list=user_list,
            upload=request.POST["upload"], filename=filename, form=form), None
    return installation, None, (filename, form, proposal)


@login_required
@require_http_methods(["GET", "POST"])
def pbx_import_proposal(request, pk: int):
    """Step 3: the counts for the chosen location, and the port estimate to confirm."""
    installation, back, resumed = _resume_with_location(request, pk)
    if back is not None:
        return back
    filename, form, proposal = resumed
    # Coming back from the review, the user's own port figure stays.
    port = request.POST.get("port", "")
    initial = (int(port) if port.isdecimal() and len(port) <= 6 and int(port) <= pbx.MAX_QUANTITY
               else proposal.users)
    return _pbx_step(request, installation, "pbx_proposal.html", proposal=proposal,
                     upload=request.POST["upload"], filename=filename,
                     location_value=form.cleaned_data["location"],
                     port_form=PortForm(initial={"port": initial}))


@login_required
@require_http_methods(["GET", "POST"])
def pbx_import_review(request, pk: int):
    """Step 4: what changes — per license type, held now → counted in the PBX."""
    installation, back, resumed = _resume_with_location(request, pk)
    if back is not None:
        return back
    filename, form, proposal = resumed
    port_form = PortForm(request.POST)
    if not port_form.is_valid():
        return _pbx_step(request, installation, "pbx_proposal.html", proposal=proposal,
                         upload=request.POST["upload"], filename=filename,
                         location_value=form.cleaned_data["location"], port_form=port_form)
    today = timezone.localdate()
    lines, plan = pbx.review(installation, proposal, port=port_form.cleaned_data["port"],
                             today=today, filename=filename)
    changes = [line for line in lines if line.change]
    return _pbx_step(
        request, installation, "pbx_review.html", proposal=proposal, lines=lines,
        changes=changes, today=today, ends_from=add_months(first_of_month(today), 1),
        filename=filename,
        plan=plan,
        back=reverse("pbx_import_proposal", args=[installation.pk]),
        upload=request.POST["upload"], location_value=form.cleaned_data["location"],
        port=port_form.cleaned_data["port"],
    )


def _endings(plan) -> list[dict]:
    """The license types a reviewed plan would reduce: how many end, of how many, in percent."""
    names = dict(LicenseType.objects.filter(code__in=list(plan.targets))
                 .values_list("code", "name"))
    endings = []
    for code, target in plan.targets.items():
        current = plan.current.get(code, 0)
        if target < current:
            endings.append({"code": code, "name": names.get(code, code), "current": current,
                            "remaining": target, "ending": current - target,
                            "percent": round(100 * (current - target) / current)})
    return endings


@login_required
@require_http_methods(["GET", "POST"])
def pbx_import_apply(request, pk: int):
    """Step 5: apply the reviewed changes in one transaction, or nothing."""
    installation = access.get_installation_for_user(request.user, pk)
    if request.method == "GET":
        return redirect("pbx_import", pk=installation.pk)
    try:
        plan = pbx.load_plan(request.POST.get("plan", ""), installation_pk=installation.pk)
    except ImportFileError as error:
        messages.error(request, error.message)
        return redirect("pbx_import", pk=installation.pk)
    endings = _endings(plan)
    if endings and request.POST.get("confirm") != "1":
        # Licenses would end: say how many, and apply only once the user confirms (like a
        # bulk renewal run).
        return render(request, "customers/imports/pbx_confirm.html", {
            "installation": installation, "customer": installation.customer,
            "endings": endings, "filename": plan.filename, "plan": request.POST["plan"],
            "ends_from": add_months(first_of_month(timezone.localdate()), 1),
            "total": sum(line["ending"] for line in endings),
        })
    try:
        applied = services.installation_pbx_apply(
            installation=installation, targets=plan.targets, expected_current=plan.current,
            activated_on=timezone.localdate())
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("pbx_import", pk=installation.pk)
    if applied:
        messages.success(request, _(
            "The PBX user list %(file)s is imported: %(changes)s.") % {
                "file": plan.filename,
                "changes": "; ".join(f"{line.name} {line.current} → {line.new}"
                                     for line in applied)})
    else:
        messages.info(request, _("The licenses already match the PBX user list; nothing "
                                 "changed."))
    return redirect("installation_detail", pk=installation.pk)
