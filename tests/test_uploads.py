"""Uploads are refused before they are read (common/uploads.py): a body declared larger than the
form's limit is never read, a file that grows past it is not stored further, and the public
page's rate limit answers before the body is touched."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.test import Client, RequestFactory

from common import uploads
from customers.imports import csv_import, pbx
from quotes import verification

ROOT = Path(__file__).resolve().parent.parent
BOUNDARY = "ssa-boundary"
DECLARED = 300 * 1024 * 1024  # what the request claims; nothing of it is ever sent


class UnreadableBody:
    """A request body that fails the test if anyone reads it."""

    def __init__(self):
        self.reads = 0

    def read(self, *args):
        self.reads += 1
        raise AssertionError("the request body was read")

    readline = read


def post_declaring(client, url, length=DECLARED, **extra):
    body = UnreadableBody()
    response = client.generic(
        "POST", url, CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(length), **{"wsgi.input": body}, **extra)
    assert body.reads == 0
    return response


@pytest.fixture
def a_client(user_a):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user_a)
    return client


# --- the handler -------------------------------------------------------------------------------


class Recorder(FileUploadHandler):
    """Stands for the handlers after the limit (memory, temporary file): what reaches them."""

    received = 0

    def receive_data_chunk(self, raw_data, start):
        Recorder.received += len(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None


def test_past_its_limit_nothing_more_of_a_file_is_stored():
    Recorder.received = 0
    request = RequestFactory().post("/", {
        "token": "kept", "file": SimpleUploadedFile("big.csv", b"x" * 50_000)})
    request.upload_handlers = [uploads.LimitedUploadHandler(request, max_bytes=10_000),
                               Recorder(request)]
    assert request.POST["token"] == "kept", "the fields before the file are read"
    assert "file" not in request.FILES
    assert uploads.too_large(request)
    assert Recorder.received <= 10_000


def test_an_upload_within_its_limit_passes_untouched():
    request = RequestFactory().post("/", {"file": SimpleUploadedFile("ok.csv", b"x" * 9_000)})
    request.upload_handlers = [uploads.LimitedUploadHandler(request, max_bytes=10_000),
                               *request.upload_handlers]
    assert request.FILES["file"].read() == b"x" * 9_000
    assert not uploads.too_large(request)


def test_every_request_gets_the_limit_of_the_largest_upload_the_portal_accepts():
    assert django_settings.FILE_UPLOAD_HANDLERS[0] == "common.uploads.LimitedUploadHandler"
    request = RequestFactory().post("/", {})
    assert request.upload_handlers[0].max_bytes == django_settings.SSA_UPLOAD_MAX_BYTES
    assert django_settings.SSA_UPLOAD_MAX_BYTES >= max(
        verification.MAX_UPLOAD_BYTES, csv_import.MAX_UPLOAD_BYTES, pbx.MAX_UPLOAD_BYTES)
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440


def test_an_accepted_upload_at_the_limit_stays_in_memory_never_in_a_temporary_file():
    from django.core.files.uploadedfile import InMemoryUploadedFile

    assert django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE == (
        django_settings.SSA_UPLOAD_MAX_BYTES + uploads.ENVELOPE_BYTES)
    request = RequestFactory().post("/", {"token": "t" * 64, "pdf": SimpleUploadedFile(
        "offer.pdf", b"x" * django_settings.SSA_UPLOAD_MAX_BYTES)})
    assert isinstance(request.FILES["pdf"], InMemoryUploadedFile)
    assert request.FILES["pdf"].size == django_settings.SSA_UPLOAD_MAX_BYTES


def test_the_reverse_proxys_documented_body_limit_lets_the_largest_upload_through():
    for doc in ("README.md", "docs/SECURITY.md"):
        sizes = re.findall(r"client_max_body_size (\d+)m", (ROOT / doc).read_text())
        assert sizes, f"{doc} gives nginx's client_max_body_size"
        assert all(int(size) * 2**20 >= django_settings.SSA_UPLOAD_MAX_BYTES
                   + uploads.ENVELOPE_BYTES for size in sizes)


# --- the pages ---------------------------------------------------------------------------------


def test_a_verify_upload_declared_at_300_mb_is_refused_without_reading_it(client):
    response = post_declaring(client, "/verify/")
    assert response.status_code == 200
    assert not response.context["verdict"].genuine
    assert "larger than 10 MB" in response.content.decode()


def test_a_csv_upload_declared_at_300_mb_is_refused_without_reading_it(a_client):
    response = post_declaring(a_client, "/customers/import/")
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["The file is larger than 2 MB."]}


def test_a_pbx_upload_declared_at_300_mb_is_refused_without_reading_it(a_client,
                                                                         installation_a):
    response = post_declaring(a_client, f"/installations/{installation_a.pk}/pbx-import/")
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["The file is larger than 5 MB."]}


def test_a_csv_file_just_over_its_limit_is_refused_with_the_message(a_client):
    big = SimpleUploadedFile("big.csv", b"customer;installation\n" + b"x" * (2 * 2**20),
                             "text/csv")
    response = a_client.post("/customers/import/", {"file": big})
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["The file is larger than 2 MB."]}


def test_a_pbx_file_just_over_its_limit_is_refused_in_norwegian_too(user_a, installation_a):
    client = Client(HTTP_ACCEPT_LANGUAGE="nb")
    client.force_login(user_a)
    big = SimpleUploadedFile("users.xml", b"<info>" + b" " * (5 * 2**20), "text/xml")
    response = client.post(f"/installations/{installation_a.pk}/pbx-import/", {"file": big})
    assert response.status_code == 200
    assert "Filen er større enn 5 MB." in response.content.decode()


def test_the_verify_rate_limit_answers_before_the_body_is_read(client):
    from quotes.views.documents import VERIFY_UPLOADS

    for _ in range(VERIFY_UPLOADS.limit):
        VERIFY_UPLOADS.hit("127.0.0.1")
    response = post_declaring(client, "/verify/", length=2_000)
    assert response.status_code == 429
    assert "Too many checks from your address" in response.content.decode()


def test_a_body_declared_oversized_for_a_form_without_uploads_is_never_read(a_client):
    from customers.models import Customer

    response = post_declaring(a_client, "/customers/new/")
    assert response.status_code == 200, "the form again, as for an empty post"
    assert not Customer.objects.exists()


@pytest.mark.parametrize("page", ["verify", "csv", "pbx"])
def test_upload_pages_still_refuse_a_post_without_the_csrf_token(user_a, installation_a, page):
    client = Client(enforce_csrf_checks=True)
    if page != "verify":
        client.force_login(user_a)
    url = {"verify": "/verify/", "csv": "/customers/import/",
           "pbx": f"/installations/{installation_a.pk}/pbx-import/"}[page]
    response = client.post(url, {"file": SimpleUploadedFile("f.csv", b"a;b\n"),
                                 "pdf": SimpleUploadedFile("f.pdf", b"%PDF-1.7")})
    assert response.status_code == 403
