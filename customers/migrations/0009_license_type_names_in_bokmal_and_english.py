"""The license catalogue gets a name per language (docs/DOMAIN.md#the-license-catalogue): `name`
becomes the bokmål name and `name_en` the English one.

Every type keeps its current name as its English name. The seeded types whose name is still the
seeded English one get their bokmål name; a name a price admin has changed stays as it is in
both fields, for the price admin to translate.
"""

from django.db import migrations, models

# code: (the seeded English name, the bokmål name)
NAMES = {
    "port": ("Port license (per registered phone)", "Portlisens (per registrert telefon)"),
    "uc": ("UC / myApps", "UC / myApps"),
    "mypbx": ("myPBX", "myPBX"),
    "voicemail": ("Voicemail", "Talepost"),
    "switchboard": ("Switchboard (operator)", "Sentralbord (operatør)"),
    "reporting": ("Reporting", "Rapportering"),
    "queue-monitor": ("Queue monitor", "Køovervåking"),
    "standby": ("Standby (redundant system)", "Standby (redundant system)"),
    "mobility": ("Mobility", "Mobilitet"),
    "video": ("Video", "Video"),
    "fax": ("Fax", "Faks"),
    "app-sharing": ("Application sharing", "Applikasjonsdeling"),
    "recording": ("Recording", "Opptak"),
    "gateway-channel": ("Gateway channel", "Gateway-kanal"),
    "telenor-api": ("Telenor API integration", "Telenor API-integrasjon"),
    "realtime-monitor": ("Real-time monitor", "Sanntidsmonitor"),
    "email-notification": ("E-mail notification", "E-postvarsling"),
    "hotel": ("Hotel integration", "Hotellintegrasjon"),
    "blues-statistics": ("Blues statistics", "Blues-statistikk"),
}


def names_in_both_languages(apps, schema_editor):
    LicenseType = apps.get_model("customers", "LicenseType")
    for license_type in LicenseType.objects.all():
        license_type.name_en = license_type.name
        seeded = NAMES.get(license_type.code)
        if seeded is not None and license_type.name == seeded[0]:
            license_type.name = seeded[1]
        license_type.save(update_fields=["name", "name_en"])


def english_names_back(apps, schema_editor):
    LicenseType = apps.get_model("customers", "LicenseType")
    for license_type in LicenseType.objects.exclude(name_en=""):
        license_type.name = license_type.name_en
        license_type.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_search_unaccent")]
    operations = [
        migrations.AddField(
            model_name="licensetype",
            name="name_en",
            field=models.CharField(blank=True, help_text="Shown to English readers; empty: the bokmål name.", max_length=120, verbose_name="name (English)"),
        ),
        migrations.AlterField(
            model_name="licensetype",
            name="name",
            field=models.CharField(max_length=120, verbose_name="name (bokmål)"),
        ),
        migrations.RunPython(names_in_both_languages, english_names_back),
    ]
