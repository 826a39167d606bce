"""Realistic Norwegian demo data, dated relative to today so it stays realistic.

Idempotent: objects are found by their natural keys; an installation's licenses and history are
written only when the installation is created. Run it again and nothing changes.
"""

import random
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from common.months import add_months, first_july_after, first_of_month
from customers import services
from customers.access import PRICE_ADMIN_GROUP, STAFF_GROUP
from customers.demo import DEMO_PASSWORD, MODELS, valid_org_number
from customers.models import Customer, Deployment, Installation, LicenseType, Membership, Reseller

RESELLERS = [
    ("Telekompaniet Vest AS", "Bergen", "bergen@telekompaniet.example.no", "Kari", "Nordmann"),
    ("Nordlys Kommunikasjon AS", "Tromsø", "tromso@nordlys.example.no", "Ola", "Hansen"),
    ("Oslo IP-Telefoni AS", "Oslo", "oslo@ipt.example.no", "Ingrid", "Berg"),
]

CUSTOMERS = [
    # name, city, street, postal code, reseller index, language
    ("Bryggen Regnskap AS", "Bergen", "Bryggen 12", "5003", 0, "nb"),
    ("Fjordtann Tannklinikk AS", "Bergen", "Strandgaten 5", "5013", 0, "nb"),
    ("Vestland Rør og Varme AS", "Askøy", "Kleppevegen 40", "5300", 0, "nb"),
    ("Sotra Marine Service AS", "Straume", "Sotravegen 2", "5353", 0, "nb"),
    ("Hordaland Eiendomsforvaltning AS", "Bergen", "Kong Oscars gate 8", "5017", 0, "nb"),
    ("Nordnes Advokatfirma DA", "Bergen", "Nordnesgaten 3", "5005", 0, "nb"),
    ("Fana Helsesenter AS", "Nesttun", "Nesttunbrekka 1", "5221", 0, "nb"),
    ("Bergen Offshore Logistics AS", "Bergen", "Damsgårdsveien 60", "5058", 0, "en"),
    ("Voss Hotell og Konferanse AS", "Voss", "Vangsgata 28", "5700", 0, "nb"),
    ("Arktisk Fiskeeksport AS", "Tromsø", "Storgata 90", "9008", 1, "nb"),
    ("Tromsø Kommunale Boligselskap KF", "Tromsø", "Grønnegata 50", "9008", 1, "nb"),
    ("Nordkapp Reiseliv AS", "Honningsvåg", "Havnegata 4", "9750", 1, "nb"),
    ("Bodø Bilsenter AS", "Bodø", "Olav V gate 70", "8004", 1, "nb"),
    ("Lofoten Sjømat AS", "Svolvær", "Torget 1", "8300", 1, "nb"),
    ("Polar Research Services AS", "Tromsø", "Framsenteret", "9007", 1, "en"),
    ("Alta Maskin og Transport AS", "Alta", "Bjørn Wirkolas vei 9", "9510", 1, "nb"),
    ("Harstad Elektro AS", "Harstad", "Sjøgata 15", "9405", 1, "nb"),
    ("Narvik Havn KF", "Narvik", "Havnegata 10", "8514", 1, "nb"),
    ("Grünerløkka Arkitekter AS", "Oslo", "Thorvald Meyers gate 20", "0555", 2, "nb"),
    ("Majorstuen Legesenter AS", "Oslo", "Bogstadveien 50", "0366", 2, "nb"),
    ("Aker Brygge Advokater AS", "Oslo", "Stranden 1", "0250", 2, "nb"),
    ("Nydalen Data Consulting AS", "Oslo", "Nydalsveien 33", "0484", 2, "en"),
    ("Bærum Kommunale Eiendom KF", "Sandvika", "Arnold Haukelands plass 10", "1338", 2, "nb"),
    ("Lillestrøm Transport AS", "Lillestrøm", "Storgata 7", "2000", 2, "nb"),
    ("Drammen Regnskapskontor AS", "Drammen", "Bragernes torg 2", "3017", 2, "nb"),
    ("Holmenkollen Skiskole AS", "Oslo", "Kongeveien 5", "0787", 2, "nb"),
    ("Oslo Fjord Ferjer AS", "Oslo", "Rådhusbrygge 3", "0160", 2, "nb"),
    ("Skøyen Eiendomsmegling AS", "Oslo", "Karenslyst allé 8", "0278", 2, "nb"),
    ("Frogner Tannlegesenter AS", "Oslo", "Frognerveien 12", "0263", 2, "nb"),
    ("Asker Sykehjem AS", "Asker", "Føyka 2", "1383", 2, "nb"),
]

CONTACTS = ["Anne Johansen", "Per Olsen", "Silje Larsen", "Lars Andersen", "Marit Pedersen",
            "Jonas Nilsen", "Hilde Kristiansen", "Erik Jensen", "Tone Karlsen", "Magnus Dahl"]


@dataclass(frozen=True)
class Scenario:
    """How an installation's SSA history looks, relative to the current SSA cycle."""

    name: str
    paid_until_offset_years: int | None  # paid until the cycle end shifted by this; None: never
    deployment: str = Deployment.ON_PREMISE
    firmware: str = "14r2"
    added_mid_term: bool = False
    extras: bool = False


SCENARIOS = [
    Scenario("current", 0),
    Scenario("current", 0, firmware="15r1", extras=True),
    Scenario("paid ahead", 1, firmware="16r1"),
    Scenario("lapsed months", -1, firmware="13r3"),
    Scenario("current with additions", 0, added_mid_term=True, firmware="15r1"),
    Scenario("lapsed years", -3, firmware="12r1"),
    Scenario("never", None, firmware="16r1"),
    Scenario("current", 0, firmware="14r1"),
]


class Command(BaseCommand):
    help = "Load idempotent Norwegian demo data and print the demo logins."

    def handle(self, *args, **options):
        with transaction.atomic():
            logins = self.seed(timezone.localdate())
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (password for all: "
                                             f"{DEMO_PASSWORD}):"))
        for role, username in logins:
            self.stdout.write(f"  {role:<34} {username}")

    def seed(self, today: date) -> list[tuple[str, str]]:
        rng = random.Random(2026)  # noqa: S311 - demo data, reproducible on purpose
        logins = [
            ("distributor staff", self.user("staff@ssa.example.no", "Siri", "Salg", STAFF_GROUP)),
            ("price admin", self.user("prisadmin@ssa.example.no", "Petter", "Pris",
                                      PRICE_ADMIN_GROUP)),
        ]
        resellers = []
        for name, city, email, first, last in RESELLERS:
            reseller, _ = Reseller.objects.get_or_create(
                name=name, defaults={"email": email, "org_number": valid_org_number(rng)})
            resellers.append(reseller)
            username = self.user(email, first, last, None)
            Membership.objects.get_or_create(user=User.objects.get(username=username),
                                             defaults={"reseller": reseller})
            logins.append((f"reseller user ({city})", username))

        types = {t.code: t for t in LicenseType.objects.all()}
        for index, (name, city, street, postal, reseller_index, language) in enumerate(CUSTOMERS):
            customer, _ = Customer.objects.get_or_create(
                name=name, reseller=resellers[reseller_index],
                defaults={
                    "org_number": valid_org_number(rng), "city": city, "street": street,
                    "postal_code": postal, "language": language,
                    "contact_name": CONTACTS[index % len(CONTACTS)],
                    "email": f"it@{name.split()[0].lower()}.example.no",
                    "phone": f"+47 {rng.randint(40, 99)} {rng.randint(10, 99)} "
                             f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
                },
            )
            for number in range(1 + (index % 3 == 0) + (index % 4 == 0)):
                scenario = SCENARIOS[(index + number) % len(SCENARIOS)]
                if index in (5, 20) and number == 0:
                    scenario = Scenario("skypbx", None, deployment=Deployment.SKYPBX,
                                        firmware="16r1")
                site = ["Hovedkontor", "Avdeling", "Lager"][number]
                self.installation(customer, f"{site} {city}", scenario, types, rng, today)
        return logins

    def user(self, username: str, first: str, last: str, group: str | None) -> str:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": username, "first_name": first,
                                         "last_name": last})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        if group:
            user.groups.add(Group.objects.get(name=group))
            if not user.is_staff:  # the Django admin, for inspection and the catalogue
                user.is_staff = True
                user.save(update_fields=["is_staff"])
        return username

    def installation(self, customer, name, scenario, types, rng, today):
        installation, created = Installation.objects.get_or_create(
            customer=customer, name=name,
            defaults={
                "deployment": scenario.deployment, "firmware_version": scenario.firmware,
                "hardware_model": "" if scenario.deployment == Deployment.SKYPBX
                else rng.choice(MODELS),
                "serial_number": "" if scenario.deployment == Deployment.SKYPBX
                else "00-90-33-" + "-".join(f"{rng.randrange(256):02X}" for _ in range(3)),
            },
        )
        if not created:
            return
        end = first_july_after(today)  # the end of the SSA year running today
        if scenario.paid_until_offset_years is None:
            first_activation = add_months(first_of_month(today), -rng.randint(2, 5)).replace(
                day=rng.randint(1, 27))
        else:
            paid_until = end.replace(year=end.year + scenario.paid_until_offset_years)
            first_activation = date(paid_until.year - rng.randint(3, 6), rng.randint(1, 12),
                                    rng.randint(1, 27))
        ports = rng.choice([8, 12, 20, 35, 50, 80])
        holdings = [
            services.holding_add(installation=installation, license_type=types["port"],
                                 quantity=ports, activated_on=first_activation),
            services.holding_add(installation=installation, license_type=types["uc"],
                                 quantity=max(2, ports // 2), activated_on=first_activation),
            services.holding_add(installation=installation, license_type=types["voicemail"],
                                 quantity=max(2, ports // 4), activated_on=first_activation),
        ]
        if ports >= 35:
            holdings.append(services.holding_add(
                installation=installation, license_type=types["switchboard"], quantity=1,
                activated_on=first_activation))
        if scenario.extras:
            services.holding_add(installation=installation, license_type=types["recording"],
                                 quantity=5, activated_on=first_activation)
            services.holding_add(installation=installation, license_type=types["mobility"],
                                 quantity=10, activated_on=first_activation, rented=True)
        if scenario.paid_until_offset_years is None:
            return
        # Yearly manual periods from the first July after activation up to paid-until.
        start = date(first_activation.year + (first_activation.month >= 7), 7, 1)
        while start < paid_until:
            services.period_create(
                installation=installation, start=start, end=start.replace(year=start.year + 1),
                holdings=holdings, note="Demo history",
            )
            start = start.replace(year=start.year + 1)
        if scenario.added_mid_term:
            services.holding_add(
                installation=installation, license_type=types["port"], quantity=5,
                activated_on=add_months(first_of_month(today), -2).replace(day=14))
