"""System checks of the production configuration (docs/SECURITY.md#production-settings).

Registered when the app is ready (common/apps.py) under the security tag and not as a deployment
check, so `check`, `check --deploy`, `migrate` (the start command) and every other command that
runs the checks report them. Offers are signed once: a missing public address or a placeholder
letterhead would be printed on them for good."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from stdnum.no import orgnr

IDENTITY = ("SSA_DISTRIBUTOR_NAME", "SSA_DISTRIBUTOR_ADDRESS", "SSA_DISTRIBUTOR_ORG_NUMBER",
            "SSA_DISTRIBUTOR_EMAIL")
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104 - names, not a bind


def _is_public_https(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return (parts.scheme == "https" and bool(host) and host not in LOOPBACK_HOSTS
            and not parts.query and not parts.fragment)


@register(Tags.security)
def production_configuration(app_configs, **kwargs) -> list[Error]:
    if not settings.PRODUCTION:
        return []
    errors = []
    if not _is_public_https(settings.SSA_PUBLIC_BASE_URL):
        errors.append(Error(
            f"SSA_PUBLIC_BASE_URL={settings.SSA_PUBLIC_BASE_URL!r} is not the portal's public "
            "https address.",
            hint="Set it to the address customers reach the portal at, e.g. "
                 "https://ssa.example.no: every signed offer prints it, as its verification "
                 "link and QR code, for good.",
            id="ssa.E001"))
    missing = [name for name in IDENTITY if not str(getattr(settings, name)).strip()]
    for name in missing:
        errors.append(Error(f"{name} must be set when SSA_ENV=production.",
                            hint="The distributor's name, postal address, organisation number "
                                 "and e-mail address are printed on every signed offer.",
                            id="ssa.E002"))
    if "SSA_DISTRIBUTOR_ORG_NUMBER" not in missing and not orgnr.is_valid(
            settings.SSA_DISTRIBUTOR_ORG_NUMBER):
        errors.append(Error(
            f"SSA_DISTRIBUTOR_ORG_NUMBER={settings.SSA_DISTRIBUTOR_ORG_NUMBER!r} is not a valid "
            "Norwegian organisation number.", id="ssa.E003"))
    if "SSA_DISTRIBUTOR_EMAIL" not in missing:
        try:
            validate_email(settings.SSA_DISTRIBUTOR_EMAIL)
        except ValidationError:
            errors.append(Error(
                f"SSA_DISTRIBUTOR_EMAIL={settings.SSA_DISTRIBUTOR_EMAIL!r} is not an e-mail "
                "address.", id="ssa.E004"))
    return errors
