"""The error pages: styled, in the reader's language, with the way back; the 500 page needs
neither the database nor the request; the favicon answers."""

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from quotes import services


@pytest.fixture
def nb_client():
    return Client(HTTP_ACCEPT_LANGUAGE="nb-NO,nb;q=0.9")


@pytest.mark.django_db
def test_the_404_page_is_in_bokmål_with_navigation(nb_client, user_a):
    for logged_in in (False, True):
        if logged_in:
            nb_client.force_login(user_a)
        response = nb_client.get("/no-such-page/")
        assert response.status_code == 404
        text = response.content.decode()
        assert '<html lang="nb">' in text
        assert "Denne siden finnes ikke" in text
        assert 'rel="icon"' in text and "Not Found" not in text
        assert (reverse("customer_list") in text) is logged_in
        assert (reverse("login") in text) is not logged_in


@pytest.mark.django_db
def test_another_resellers_object_answers_the_same_404_page(nb_client, user_b, customer_a):
    nb_client.force_login(user_b)
    response = nb_client.get(reverse("customer_detail", args=[customer_a.pk]))
    assert response.status_code == 404
    assert "Denne siden finnes ikke" in response.content.decode()


@pytest.mark.django_db
def test_the_403_page_is_in_bokmål_and_says_why(nb_client, user_a, customer_a, installation_a):
    draft = services.quote_create(customer=customer_a, installations=[installation_a],
                                  user=user_a)
    nb_client.force_login(user_a)
    response = nb_client.get(reverse("quote_issue", args=[draft.pk]))
    assert response.status_code == 403
    text = response.content.decode()
    assert '<html lang="nb">' in text and "Du kan ikke gjøre dette" in text
    assert "403 Forbidden" not in text
    assert reverse("dashboard") in text


def test_the_500_page_renders_without_database_or_request():
    """No django_db mark: any query would fail the test."""
    with translation.override("nb"):
        text = render_to_string("500.html")
    assert '<html lang="nb">' in text and "Noe gikk galt" in text
    assert "/static/css/portal.css" in text


@pytest.mark.django_db
def test_favicon_ico_answers_and_every_page_links_the_icon(client, user_a):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][0].endswith("/static/favicon.ico")
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    client.force_login(user_a)
    assert 'href="/static/favicon.svg"' in client.get("/").content.decode()
