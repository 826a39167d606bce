"""The dashboard's renewal pipeline endpoint: scoped to the user, and its figures for the coming
cycle equal the renewals worklist's (the same estimates, one rule)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from common.months import first_july_after, first_of_month
from customers import access, services
from quotes import access as quote_access
from quotes import selectors
from tests.conftest import TODAY, make_installation

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline_world(customer_a, installation_a, holding_a, period_a, installation_b, holding_b,
                   period_b, port):
    """A: one lapsed (paid until 07.2025), one due by 1 July 2026, one running out in
    October 2026 (the next cycle), one without history. B: one lapsed."""
    for name, start, end in (("Due", date(2025, 5, 1), date(2026, 5, 1)),
                             ("Autumn", date(2025, 10, 1), date(2026, 10, 1)),
                             ("Never", None, None)):
        installation = make_installation(customer_a, name)
        holding = services.holding_add(installation=installation, license_type=port,
                                       quantity=3, activated_on=date(2024, 1, 8))
        if start:
            services.period_create(installation=installation, start=start, end=end,
                                   holdings=[holding])


def worklist_total(user) -> tuple[int, Decimal]:
    window_end = first_july_after(TODAY)
    rows = list(selectors.renewal_worklist(
        access.installations_for(user), visible_quotes=quote_access.quotes_for(user),
        window_end=window_end,
        this_month=first_of_month(TODAY), today=TODAY))
    estimates = selectors.renewal_estimates(rows, quote_date=TODAY, window_end=window_end)
    return (sum(ssc for ssc, _nok in estimates.values()),
            sum((nok for _ssc, nok in estimates.values()), Decimal("0.00")))


@pytest.mark.parametrize("who", ["user_a", "staff"])
def test_the_pipeline_for_the_coming_cycle_equals_the_worklist(client, pipeline_world, who,
                                                               request):
    user = request.getfixturevalue(who)
    client.force_login(user)
    data = client.get(reverse("dashboard_pipeline")).json()
    ssc, nok = worklist_total(user)
    assert ssc > 0
    assert data["coming_cycle"] == {"window_end": "2026-07-01", "ssc": ssc, "nok": str(nok)}
    # The months run from April 2026 to March 2027; October's figure is the next cycle's.
    assert data["buckets"][:3] == ["lapsed", "never", "2026-04-01"]
    assert data["buckets"][-1] == "2027-03-01" and len(data["buckets"]) == 14
    october = data["buckets"].index("2026-10-01")
    assert sum(series["ssc"][october] for series in data["series"]) > 0
    assert data["totals"]["ssc"] > ssc


def test_the_pipeline_is_scoped_and_by_reseller_for_staff(client, pipeline_world, user_a,
                                                          user_b, staff):
    client.force_login(user_b)
    mine = client.get(reverse("dashboard_pipeline")).json()
    assert len(mine["series"]) == 1
    assert (mine["coming_cycle"]["ssc"], Decimal(mine["coming_cycle"]["nok"])) == (
        worklist_total(user_b))
    client.force_login(user_a)
    theirs = client.get(reverse("dashboard_pipeline")).json()
    assert theirs["totals"]["ssc"] != mine["totals"]["ssc"]
    client.force_login(staff)
    everyone = client.get(reverse("dashboard_pipeline")).json()
    assert [s["label"] for s in everyone["series"]] == ["Alfa Tele AS", "Beta Kommunikasjon AS"]
    assert everyone["totals"]["ssc"] == theirs["totals"]["ssc"] + mine["totals"]["ssc"]


def test_the_dashboard_loads_the_chart_without_inline_script(client, user_a):
    client.force_login(user_a)
    text = client.get(reverse("dashboard")).content.decode()
    assert 'data-src="/dashboard/pipeline.json"' in text
    assert "vendor/chartjs/chart.umd.js" in text and "js/pipeline.js" in text
    assert "<script>" not in text and 'id="pipeline-table"' in text
