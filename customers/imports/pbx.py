"""The innovaphone PBX user list (docs/DOMAIN.md#the-pbx-user-list-import): parse it, count
licenses per location, propose an installation's quantities and diff them against what it
holds.

The PBX admin interface lists its objects as XML (`mod_cmd_login.xml?cmd=show&user=*`): one
`<user>` element per object. Objects with a `<pseudo type="loc">` child are locations, with
`<pseudo type="config">` config templates; any other `<pseudo>` (trunk, waiting queue, map, …) is
a PBX object that is not a person either. Every other `<user>` is a user: `loc` names its location
and each license attribute (the catalogue's `pbx_attribute`, e.g. `uclic`, `voicemail`) is
non-empty when the user holds that license.

Everything here is pure except the two small readers at the end; nothing here writes. The write
is `services.installation_pbx_apply`.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException
from django.core import signing
from django.utils.translation import gettext as _

from customers.imports import ImportFileError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_QUANTITY = 100_000
# A PBX has a handful of locations, a large one some hundreds; a list with more is not one PBX's
# (and a page choosing among them would be megabytes).
MAX_LOCATIONS = 1_000
PORT_CODE = "port"  # the one license the user list has no attribute for: one per user (§2.7)

# Attributes that describe a user rather than a license. Any other non-empty attribute that the
# catalogue does not map is shown as "not mapped" so a price admin can decide what it is.
USER_ATTRIBUTES = frozenset({
    "cn", "dn", "h323", "e164", "loc", "node", "pbx", "config", "guid", "text", "hide", "pwd",
    "email", "fake", "filter", "cd-filter", "diversion-filter", "cfnr-tmo", "busy-out", "no-devs",
    "conf-pwd", "obj-url", "t-prot", "t-tmo", "lang", "gi", "uri", "sip", "mobile", "pseudo",
    "usn", "type", "cloud-type", "apps", "app", "hw", "display", "url", "gw", "dev",
    "x-forward", "no-dir", "no-dir-in", "dtmf", "h323-email", "push", "ringtone", "dyn",
    "busy-on-busy", "call-waiting", "cw", "cfu", "cfb", "cfnr", "cfu-num", "cfb-num", "cfnr-num",
})

UPLOAD_SALT = "customers.pbx-import.upload"
PLAN_SALT = "customers.pbx-import.plan"
TOKEN_MAX_AGE = 24 * 60 * 60  # an upload left overnight is uploaded again


# --- parsing ---------------------------------------------------------------------------------


@dataclass
class LocationCount:
    name: str
    users: int = 0
    attributes: Counter = field(default_factory=Counter)  # attribute → users with it set


@dataclass
class UserList:
    locations: dict[str, LocationCount] = field(default_factory=dict)
    location_objects: list[str] = field(default_factory=list)  # declared by <pseudo type="loc">
    templates: int = 0
    other_objects: int = 0

    @property
    def users(self) -> int:
        return sum(location.users for location in self.locations.values())

    def sorted_locations(self) -> list[LocationCount]:
        return sorted(self.locations.values(), key=lambda loc: (-loc.users, loc.name.casefold()))

    def to_dict(self) -> dict:
        return {
            "locations": {name: {"users": loc.users, "attributes": dict(loc.attributes)}
                          for name, loc in self.locations.items()},
            "location_objects": self.location_objects,
            "templates": self.templates, "other_objects": self.other_objects,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "UserList":
        return cls(
            locations={name: LocationCount(name, int(loc["users"]), Counter(loc["attributes"]))
                       for name, loc in data["locations"].items()},
            location_objects=list(data["location_objects"]),
            templates=int(data["templates"]), other_objects=int(data["other_objects"]),
        )


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _pseudo_types(element: Element) -> set[str]:
    return {(child.get("type") or "").strip().lower() for child in element
            if _local_name(child.tag) == "pseudo"}


def _check_locations(count: int) -> None:
    if count > MAX_LOCATIONS:
        raise ImportFileError(_(
            "The file names more than %(max)d locations; a PBX user list has far fewer. Export "
            "the user list of the one PBX this installation is.") % {"max": MAX_LOCATIONS})


def parse_user_list(data: bytes) -> UserList:
    """Count the users of every location and the users holding each attribute. Refuses, with a
    message for the user, anything that is not a safe, well-formed PBX user list."""
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError(_("The file is larger than %(size)d MB; this is not a PBX user "
                                "list.") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)})
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start.startswith(b"<"):
        raise ImportFileError(_(
            "This is not an XML file. In the PBX admin interface open "
            "mod_cmd_login.xml?cmd=show&user=* and save the page as an .xml file."))
    try:
        root = safe_xml.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                   forbid_external=True)
    except DefusedXmlException:
        raise ImportFileError(_(
            "The file contains a DTD or entity declarations, which a PBX user list never has. "
            "For safety it is refused; export the user list from the PBX again.")) from None
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise ImportFileError(_(
            "The file is not well-formed XML (line %(line)d, column %(column)d). Export the "
            "user list from the PBX again and upload it unchanged.")
            % {"line": line, "column": column}) from None
    result = UserList()
    declared: set[str] = set()
    seen_objects = 0
    for element in root.iter():
        if _local_name(element.tag) != "user":
            continue
        seen_objects += 1
        kinds = _pseudo_types(element)
        if "loc" in kinds:
            name = (element.get("h323") or element.get("cn") or "").strip()
            if name and name not in declared:
                declared.add(name)
                result.location_objects.append(name)
                _check_locations(len(declared | result.locations.keys()))
            continue
        if "config" in kinds:
            result.templates += 1
            continue
        if kinds:
            result.other_objects += 1
            continue
        location_name = (element.get("loc") or "").strip()
        location = result.locations.get(location_name)
        if location is None:
            location = result.locations[location_name] = LocationCount(location_name)
            _check_locations(len(declared | result.locations.keys()))
        location.users += 1
        for attribute, value in element.attrib.items():
            if value.strip():
                location.attributes[_local_name(attribute).lower()] += 1
    if seen_objects == 0:
        raise ImportFileError(_(
            "The file has no <user> elements, so it is not a PBX user list. In the PBX admin "
            "interface open mod_cmd_login.xml?cmd=show&user=* and save that page."))
    for name in result.location_objects:
        result.locations.setdefault(name, LocationCount(name))
    return result


# --- proposal and diff -----------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    name: str
    attribute: str  # "" for types the user list does not carry


@dataclass(frozen=True)
class ProposalLine:
    code: str
    name: str
    attribute: str
    users: int  # users of the location holding it (for port: all users of the location)
    is_estimate: bool = False


@dataclass
class Proposal:
    location: str
    users: int
    lines: list[ProposalLine]
    not_mapped: list[tuple[str, int]]  # attribute, users with it set

    def quantities(self) -> dict[str, int]:
        return {line.code: line.users for line in self.lines}


def propose(location: LocationCount, catalogue: Iterable[CatalogueEntry]) -> Proposal:
    """Port = the location's users (an estimate the user confirms); every mapped attribute =
    the users holding it; unknown license-like attributes are listed, never an error."""
    lines: list[ProposalLine] = []
    mapped: set[str] = set()
    for entry in catalogue:
        if entry.code == PORT_CODE:
            lines.insert(0, ProposalLine(entry.code, entry.name, "", location.users, True))
        elif entry.attribute:
            attribute = entry.attribute.lower()
            mapped.add(attribute)
            lines.append(ProposalLine(entry.code, entry.name, entry.attribute,
                                      location.attributes.get(attribute, 0)))
    not_mapped = sorted(
        (attribute, count) for attribute, count in location.attributes.items()
        if attribute not in mapped and attribute not in USER_ATTRIBUTES
    )
    return Proposal(location.name, location.users, lines, not_mapped)


@dataclass(frozen=True)
class DiffLine:
    code: str
    name: str
    current: int
    new: int

    @property
    def change(self) -> int:
        return self.new - self.current

    @property
    def amount(self) -> int:
        return abs(self.change)


def diff(current: dict[str, int], targets: dict[str, int], names: dict[str, str]) -> list[DiffLine]:
    """Per license type of `targets` (in its order): what the installation holds now → what the
    PBX says."""
    return [DiffLine(code, names.get(code, code), current.get(code, 0), new)
            for code, new in targets.items()]


@dataclass(frozen=True)
class Batch:
    """An open holding, as far as a decrease cares."""

    pk: int
    quantity: int
    activated_on: date


def plan_decrease(batches: Iterable[Batch], decrease: int) -> list[tuple[int, int]]:
    """Which holdings to end, newest first, and how many of each to keep: [(pk, keep), …].
    Ends whole batches until the rest of the decrease fits into one partial end."""
    plan: list[tuple[int, int]] = []
    remaining = decrease
    for batch in sorted(batches, key=lambda b: (b.activated_on, b.pk), reverse=True):
        if remaining <= 0:
            break
        if batch.quantity <= remaining:
            plan.append((batch.pk, 0))
            remaining -= batch.quantity
        else:
            plan.append((batch.pk, batch.quantity - remaining))
            remaining = 0
    if remaining > 0:
        raise ValueError("the decrease is larger than the holdings")
    return plan


# --- tokens: the upload and the reviewed plan travel in the form, signed ---------------------


def dump_upload(user_list: UserList, *, installation_pk: int, filename: str) -> str:
    return signing.dumps({"installation": installation_pk, "file": filename[:200],
                          "list": user_list.to_dict()}, salt=UPLOAD_SALT, compress=True)


def load_upload(token: str, *, installation_pk: int) -> tuple[UserList, str]:
    """The counted user list and file name, or ImportFileError (expired, tampered, other
    installation)."""
    try:
        data = signing.loads(token, salt=UPLOAD_SALT, max_age=TOKEN_MAX_AGE)
        if data["installation"] != installation_pk:
            raise ValueError("another installation's upload")
        return UserList.from_dict(data["list"]), str(data["file"])
    except (signing.BadSignature, ValueError, KeyError, TypeError, AttributeError):
        raise ImportFileError(_("The uploaded user list has expired or is not valid; upload "
                                "it again.")) from None


def dump_plan(*, installation_pk: int, location: str, targets: dict[str, int],
              current: dict[str, int], filename: str) -> str:
    return signing.dumps({"installation": installation_pk, "location": location,
                          "targets": targets, "current": current, "file": filename[:200]},
                         salt=PLAN_SALT)


@dataclass(frozen=True)
class ReviewedPlan:
    location: str
    targets: dict[str, int]
    current: dict[str, int]
    filename: str


def load_plan(token: str, *, installation_pk: int) -> ReviewedPlan:
    try:
        data = signing.loads(token, salt=PLAN_SALT, max_age=TOKEN_MAX_AGE)
        if data["installation"] != installation_pk:
            raise ValueError("another installation's plan")
        return ReviewedPlan(
            location=str(data["location"]),
            targets={str(code): int(qty) for code, qty in data["targets"].items()},
            current={str(code): int(qty) for code, qty in data["current"].items()},
            filename=str(data["file"]),
        )
    except (signing.BadSignature, ValueError, KeyError, TypeError, AttributeError):
        raise ImportFileError(_("The reviewed changes have expired or are not valid; upload "
                                "the user list again.")) from None


# --- reading the catalogue and the installation (no writes) ----------------------------------


def catalogue() -> list[CatalogueEntry]:
    """The license types the user list can speak about: port, and every type whose
    `pbx_attribute` a price admin has set (docs/DOMAIN.md#the-license-catalogue), in catalogue
    order."""
    from customers.models import LicenseType

    return [CatalogueEntry(t.code, t.localized_name, t.pbx_attribute.strip())
            for t in LicenseType.objects.order_by("sort_order", "code")
            if t.code == PORT_CODE or t.pbx_attribute.strip()]


def open_holdings(installation, *, today: date, codes: Iterable[str]):
    """The holdings a PBX import compares with: in use today and not already ending, of the
    given license types (rented ones too: the PBX cannot tell rented from bought)."""
    return (installation.holdings.active_on(today)
            .filter(ended_on__isnull=True, license_type__code__in=list(codes))
            .select_related("license_type"))


def current_quantities(installation, *, today: date, codes: Iterable[str]) -> dict[str, int]:
    codes = list(codes)
    totals = dict.fromkeys(codes, 0)
    for holding in open_holdings(installation, today=today, codes=codes):
        totals[holding.license_type.code] += holding.quantity
    return totals


def default_location(user_list: UserList, installation) -> str | None:
    """The location to import from unless the user says otherwise: the one named like the
    installation, else the only one with users; None when the user must choose."""
    by_name = {name.casefold(): name for name in user_list.locations}
    if installation.name.casefold() in by_name:
        return by_name[installation.name.casefold()]
    with_users = [location.name for location in user_list.locations.values() if location.users]
    return with_users[0] if len(with_users) == 1 else None


def review(installation, proposal: Proposal, *, port: int | None, today: date,
           filename: str) -> tuple[list[DiffLine], str]:
    """What importing `proposal` would change — per license type, held now → counted (the
    port count as the user corrected it) — and the signed plan that applies exactly that."""
    targets = proposal.quantities()
    if PORT_CODE in targets and port is not None:
        targets[PORT_CODE] = port
    current = current_quantities(installation, today=today, codes=targets)
    lines = diff(current, targets, {line.code: line.name for line in proposal.lines})
    plan = dump_plan(installation_pk=installation.pk, location=proposal.location,
                     targets=targets, current=current, filename=filename)
    return lines, plan
