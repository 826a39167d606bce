"""The history tabs: who changed what and when, for whoever may see the object."""

from datetime import date

import pytest
from django.urls import reverse

from customers import services
from tests.conftest import make_installation


def rows(response) -> list:
    return list(response.context["page"].object_list)


def test_the_installation_history_says_who_ended_the_ports_and_from_when(client, user_a,
                                                                          holding_a, port):
    user_a.first_name, user_a.last_name = "Kari", "Nordmann"
    user_a.save()
    client.force_login(user_a)
    response = client.post(reverse("holding_end", args=[holding_a.pk]),
                           {"ended_on": "2025-01", "keep": "0"})
    assert response.status_code == 302

    response = client.get(reverse("installation_history", args=[holding_a.installation_id]),
                          HTTP_ACCEPT_LANGUAGE="en")
    ended = [row for row in rows(response) if row.field == "Ended from"]
    assert len(ended) == 1
    assert ended[0].who == "Kari Nordmann"
    assert ended[0].subject == f"Licenses 10 × {port.name_en}"
    assert (ended[0].old, ended[0].new) == ("–", "1 January 2025")
    assert "Kari Nordmann" in response.content.decode()


def test_the_customer_history_names_the_installation_of_each_change_and_shows_names_not_ids(
        client, staff, customer_a, holding_a, reseller_b, port):
    services.customer_move(customer=customer_a, reseller=reseller_b, user=staff)
    client.force_login(staff)
    response = client.get(reverse("customer_history", args=[customer_a.pk]),
                          HTTP_ACCEPT_LANGUAGE="en")
    changes = rows(response)
    moved = [row for row in changes if row.field == "Reseller"]
    assert [(row.old, row.new) for row in moved] == [("Alfa Tele AS", "Beta Kommunikasjon AS")]
    subjects = {row.subject for row in changes}
    assert {"Customer", "Installation Hovedkontor",
            f"Licenses 10 × {port.name_en} on Hovedkontor"} <= subjects


def test_a_changed_choice_reads_as_its_label_in_the_reader_s_language(client, user_a,
                                                                      installation_a):
    services.installation_update(installation=installation_a, deployment="skypbx",
                                 name=installation_a.name)
    client.force_login(user_a)
    response = client.get(reverse("installation_history", args=[installation_a.pk]),
                          HTTP_ACCEPT_LANGUAGE="nb")
    deployment = [row for row in rows(response) if row.old and row.new and row.old != "–"]
    assert [(row.field, row.old, row.new) for row in deployment] == [
        ("Driftsform", "Lokalt (on-premise)", "skyPBX (skytjeneste)")]


def test_a_period_reads_as_the_months_it_covers(client, user_a, period_a):
    client.force_login(user_a)
    response = client.get(reverse("installation_history", args=[period_a.installation_id]),
                          HTTP_ACCEPT_LANGUAGE="en")
    assert "Agreement period 07.2024 – 06.2025" in {row.subject for row in rows(response)}


def test_a_holding_s_history_holds_only_that_holding(client, user_a, installation_a, holding_a,
                                                     port):
    other = services.holding_add(installation=installation_a, license_type=port, quantity=3,
                                 activated_on=date(2024, 5, 1))
    services.holding_update(holding=other, license_type=port, quantity=4,
                            activated_on=other.activated_on, rented=False)
    client.force_login(user_a)
    response = client.get(reverse("holding_history", args=[holding_a.pk]),
                          HTTP_ACCEPT_LANGUAGE="en")
    assert [row.action for row in rows(response)] == ["created"]
    response = client.get(reverse("holding_history", args=[other.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert [(row.field, row.old, row.new) for row in rows(response)][0] == ("Quantity", "3", "4")


def test_a_deleted_holding_stays_in_the_installation_history(client, user_a, installation_a,
                                                            port):
    holding = services.holding_add(installation=installation_a, license_type=port, quantity=2,
                                   activated_on=date(2024, 5, 1))
    services.holding_delete(holding=holding)
    client.force_login(user_a)
    response = client.get(reverse("installation_history", args=[installation_a.pk]),
                          HTTP_ACCEPT_LANGUAGE="en")
    assert (f"Licenses 2 × {port.name_en}", "deleted") in {(row.subject, row.action)
                                                for row in rows(response)}


@pytest.mark.parametrize("name", ["customer_history", "installation_history", "holding_history"])
def test_another_reseller_s_history_answers_404(client, user_b, holding_a, name):
    target = {"customer_history": holding_a.installation.customer_id,
              "installation_history": holding_a.installation_id,
              "holding_history": holding_a.pk}[name]
    client.force_login(user_b)
    assert client.get(reverse(name, args=[target])).status_code == 404


def test_another_customer_s_installation_is_not_in_a_customer_s_history(client, user_a,
                                                                        customer_a, customer_b):
    make_installation(customer_b, name="Fremmed")
    client.force_login(user_a)
    response = client.get(reverse("customer_history", args=[customer_a.pk]))
    assert not any("Fremmed" in row.subject for row in rows(response))


def test_the_detail_pages_link_to_their_history_tab(client, user_a, holding_a):
    client.force_login(user_a)
    installation = holding_a.installation
    page = client.get(reverse("customer_detail", args=[installation.customer_id])).content
    assert reverse("customer_history", args=[installation.customer_id]).encode() in page
    page = client.get(reverse("installation_detail", args=[installation.pk])).content
    assert reverse("installation_history", args=[installation.pk]).encode() in page
    assert reverse("holding_history", args=[holding_a.pk]).encode() in page


def test_after_a_move_the_new_reseller_reads_the_changes_without_the_old_reseller_s_users(
        client, staff, user_a, user_b, customer_a, reseller_b, holding_a):
    user_a.first_name, user_a.last_name = "Kari", "Nordmann"
    user_a.save()
    client.force_login(user_a)
    client.post(reverse("holding_end", args=[holding_a.pk]), {"ended_on": "2025-01", "keep": "0"})
    services.customer_move(customer=customer_a, reseller=reseller_b, user=staff)

    client.force_login(user_b)
    response = client.get(reverse("customer_history", args=[customer_a.pk]),
                          HTTP_ACCEPT_LANGUAGE="en")
    ended = next(row for row in rows(response) if row.field == "Ended from")
    assert ended.who == "a user of another reseller"
    assert "Kari Nordmann" not in response.content.decode()
    client.force_login(staff)
    response = client.get(reverse("customer_history", args=[customer_a.pk]))
    assert next(row for row in rows(response) if row.field == "Ended from").who == "Kari Nordmann"
