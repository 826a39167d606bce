"""API clients: a token per user (read-write unless asked), sent as `Authorization: Bearer`."""

import pytest
from django.test import Client

from api import tokens


def api_client(user=None, *, read_only: bool = False, language: str = "en",
               scheme: str = "Bearer") -> Client:
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    if user is not None:
        _token, secret = tokens.token_create(user=user, name="tests", read_only=read_only)
        headers["HTTP_AUTHORIZATION"] = f"{scheme} {secret}"
    client = Client(raise_request_exception=False, **headers)
    client.token = secret if user is not None else None
    return client


@pytest.fixture
def api():
    return api_client
