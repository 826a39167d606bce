"""The license catalogue (docs/DOMAIN.md#the-license-catalogue) and the firmware releases
(docs/DOMAIN.md#firmware-support-warning).

Only the port rate (74 SSC) is a published figure; the price book migration in the quotes app
holds the rates. Firmware dates are approximate (marked so) for price admins to correct.
"""

from datetime import date

from django.db import migrations

# code, name, covered, PBX user-list attribute, note
LICENSE_TYPES = [
    ("port", "Port license (per registered phone)", True, "", ""),
    ("uc", "UC / myApps", True, "uclic", ""),
    ("mypbx", "myPBX", True, "mypbx", ""),
    ("voicemail", "Voicemail", True, "voicemail", ""),
    ("switchboard", "Switchboard (operator)", True, "", ""),
    ("reporting", "Reporting", True, "reporting", ""),
    ("queue-monitor", "Queue monitor", True, "", ""),
    ("standby", "Standby (redundant system)", True, "", ""),
    ("mobility", "Mobility", True, "mobility", ""),
    ("video", "Video", True, "video", ""),
    ("fax", "Fax", True, "fax", ""),
    ("app-sharing", "Application sharing", True, "app-sharing", ""),
    ("recording", "Recording", False, "", "A separate product with its own license."),
    ("gateway-channel", "Gateway channel", False, "", "Gateway channel licenses are not covered."),
    ("telenor-api", "Telenor API integration", False, "", "Third-party add-on."),
    ("realtime-monitor", "Real-time monitor", False, "", "Third-party add-on."),
    ("email-notification", "E-mail notification", False, "", "Third-party add-on."),
    ("hotel", "Hotel integration", False, "", "Third-party add-on."),
    ("blues-statistics", "Blues statistics", False, "", "Third-party add-on."),
]

FIRMWARE = [
    ("v10", date(2012, 1, 1)), ("v11", date(2015, 1, 1)), ("12r1", date(2016, 1, 1)),
    ("12r2", date(2017, 1, 1)), ("13r1", date(2019, 1, 1)), ("13r2", date(2020, 1, 1)),
    ("13r3", date(2021, 1, 1)), ("14r1", date(2022, 1, 1)), ("14r2", date(2023, 1, 1)),
    ("15r1", date(2024, 1, 1)), ("16r1", date(2025, 1, 1)),
]


def seed(apps, schema_editor):
    LicenseType = apps.get_model("customers", "LicenseType")
    for order, (code, name, covered, attribute, note) in enumerate(LICENSE_TYPES, start=1):
        LicenseType.objects.update_or_create(
            code=code,
            defaults={"name": name, "covered": covered, "pbx_attribute": attribute,
                      "note": note, "sort_order": order * 10},
        )
    FirmwareRelease = apps.get_model("customers", "FirmwareRelease")
    for version, released_on in FIRMWARE:
        FirmwareRelease.objects.update_or_create(
            version=version, defaults={"released_on": released_on, "approximate": True}
        )


def unseed(apps, schema_editor):
    apps.get_model("customers", "LicenseType").objects.filter(
        code__in=[row[0] for row in LICENSE_TYPES], holdings__isnull=True
    ).delete()
    apps.get_model("customers", "FirmwareRelease").objects.filter(
        version__in=[row[0] for row in FIRMWARE]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_create_role_groups")]
    operations = [migrations.RunPython(seed, unseed)]
