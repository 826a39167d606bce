"""Fuzzing the verification of uploaded offers with damaged signed PDFs.

Two documents are signed once per session with the session's key: an offer-like WeasyPrint
document of several pages (cross-reference streams, as the real offers have) and a small
hand-written one with a classic cross-reference table and trailer. Each test stores both as
issued offers and then mutates them, derandomized by the Hypothesis profile "ci" of
conftest.py:

- one hex digit of the signature's /Contents changed (or a non-hex character put there);
- one byte inside the signed byte range changed;
- one byte of a cross-reference section or trailer changed (often to a digit: offsets);
- the file truncated at any length;
- something appended after signing: an incremental update written by pyHanko (a new object,
  or a changed catalogue), or raw bytes.

Every case asserts that `verify_upload` answers with a verdict: never an exception, never
genuine unless the bytes are the stored offer's, always one of the page's messages; that an
update pyHanko appended is reported as such; and that nothing was logged at WARNING or
above and no traceback. `test_the_page_answers_200_with_a_verdict_for_a_sample` posts a
seeded sample of the same mutations through the test client.

Budget: ``EXAMPLES_PER_TEST`` cases per test (env ``SSA_VERIFY_FUZZ_EXAMPLES``, default 400;
5 tests, 2,000 cases); `make fuzz-verify VERIFY_FUZZ_EXAMPLES=…` runs more, randomized.
"""

import hashlib
import logging
import os
import random
import re
import secrets
from collections import Counter
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotes import certificates, signing, verification
from quotes.models import Quote, QuoteState

EXAMPLES_PER_TEST = int(os.environ.get("SSA_VERIFY_FUZZ_EXAMPLES", "400"))
FUZZ_TESTS: list[str] = []
GENERATED: Counter = Counter()
TODAY = date(2026, 3, 5)  # the suite's frozen clock


def fuzz(test):
    FUZZ_TESTS.append(test.__name__)
    return settings(max_examples=EXAMPLES_PER_TEST, suppress_health_check=[
        HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
        HealthCheck.data_too_large])(test)


@pytest.fixture(scope="module", autouse=True)
def report_generated_cases():
    yield
    if GENERATED:
        print(f"\nverify fuzz: {sum(GENERATED.values())} mutated PDFs in {len(GENERATED)} "
              "tests", flush=True)
        for name, count in GENERATED.items():
            print(f"  {name.removeprefix('test_'):48} {count:5}", flush=True)


@pytest.fixture(autouse=True)
def every_fuzz_test_ran_its_budget(request):
    failed_before = request.session.testsfailed
    yield
    name = getattr(request.node, "originalname", "")
    if name in FUZZ_TESTS and request.session.testsfailed == failed_before:
        assert GENERATED[name] >= EXAMPLES_PER_TEST, (
            f"{name} ran only {GENERATED[name]} cases of {EXAMPLES_PER_TEST}")


# --- the signed documents, once per session ---------------------------------------------------


def classic_pdf() -> bytes:
    """A one-page PDF with a classic cross-reference table and trailer."""
    content = b"BT /F1 18 Tf 72 720 Td (Tilbud SSA-2026-09001) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def offer_like_pdf() -> bytes:
    import weasyprint

    rows = "".join(f"<tr><td>{i} × port, Fjordtann AS</td><td>{i * 37} SSC</td>"
                   f"<td>{i * 1234},00 kr</td></tr>" for i in range(1, 90))
    return weasyprint.HTML(string=f"<h1>Tilbud SSA-2026-09002</h1><p>Ærlig Øl AS, Bergen</p>"
                                  f"<table>{rows}</table>").write_pdf()


@pytest.fixture(scope="session")
def signed_documents(signing_key) -> list[bytes]:
    with override_settings(SSA_SIGNING_P12=signing_key, SSA_SIGNING_PASSPHRASE="test-passphrase"):
        return [signing.sign_pdf(offer_like_pdf()).data, signing.sign_pdf(classic_pdf()).data]


@pytest.fixture
def documents(signed_documents, customer_a) -> list[bytes]:
    """The signed documents stored as issued offers (rows made directly: only their stored
    hash and file matter here), with the session key's certificate recorded."""
    recorded = certificates.record_configured(now=timezone.now())
    for index, data in enumerate(signed_documents, start=1):
        name = default_storage.save(f"offers/2026/SSA-2026-0990{index}.pdf", ContentFile(data))
        Quote.objects.create(
            customer=customer_a, state=QuoteState.ISSUED, number=f"SSA-2026-0990{index}",
            number_year=2026, number_sequence=9900 + index, revision=1, issue_date=TODAY,
            valid_until=date(2026, 4, 4), customer_name=customer_a.name, gross=Decimal("100"),
            verification_token=secrets.token_urlsafe(24), pdf=name,
            pdf_sha256=hashlib.sha256(data).hexdigest(), signing_certificate=recorded)
    return signed_documents


# --- the mutations ----------------------------------------------------------------------------


def byte_range(data: bytes) -> tuple[int, int, int, int]:
    found = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    return tuple(int(n) for n in found.groups())


def contents_span(data: bytes) -> tuple[int, int]:
    """The hex digits of /Contents: between the two signed ranges, without < and >."""
    _, first_length, second_start, _ = byte_range(data)
    return first_length + 1, second_start - 1


def xref_regions(data: bytes) -> list[tuple[int, int]]:
    """Cross-reference tables with their trailers, cross-reference streams, and the
    startxref lines."""
    regions = [(m.start(), data.index(b"%%EOF", m.start()) + 5)
               for m in re.finditer(rb"(?m)^xref\s", data)]
    for m in re.finditer(rb"/Type\s*/XRef", data):
        start = data.rindex(b" obj", 0, m.start())
        regions.append((start, data.index(b"endobj", m.start()) + 6))
    regions += [(m.start(), m.end()) for m in re.finditer(rb"startxref\s+\d+\s+%%EOF", data)]
    return regions


def replaced(data: bytes, position: int, new: bytes) -> bytes:
    return data[:position] + new + data[position + 1:]


def pyhanko_update(data: bytes, kind: str, text: str) -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(data))
    if kind == "object":
        writer.add_object(generic.TextStringObject(text))
    else:
        writer.root["/SSAChanged"] = generic.TextStringObject(text)
        writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


# --- the property every case checks -----------------------------------------------------------

ADDED = "added to this PDF after"


def allowed_messages() -> set[str]:
    names = {"distributor": "Nordic Unified AS"}
    return {str(verification.EMPTY), str(verification.NOT_A_PDF),
            str(verification.UNKNOWN) % names,
            *(str(message) % names for message in verification.PROBLEMS.values())}


def assert_a_verdict(name: str, original: bytes, mutated: bytes, caplog, *, expect=None):
    GENERATED[name] += 1
    caplog.clear()
    verdict = verification.verify_upload(mutated, today=TODAY)
    assert isinstance(verdict, verification.Verdict)
    if verdict.genuine:
        assert mutated == original, "a changed file was called genuine"
    else:
        assert verdict.message in allowed_messages(), verdict.message
    if expect is not None:
        assert expect in verdict.message, verdict.message
    loud = [(r.name, r.levelname, r.getMessage()[:200]) for r in caplog.records
            if r.levelno >= logging.WARNING or r.exc_info]
    assert not loud, loud
    return verdict


@pytest.fixture
def quiet_log(caplog):
    caplog.set_level(logging.INFO)
    return caplog


# --- the tests --------------------------------------------------------------------------------

WHICH = st.sampled_from([0, 1])
HEX = b"0123456789abcdefABCDEF"


@fuzz
@given(data=st.data())
def test_a_changed_hex_digit_in_the_signature_contents(documents, quiet_log, data):
    original = documents[data.draw(WHICH)]
    start, end = contents_span(original)
    position = data.draw(st.integers(start, end - 1), label="position")
    new = data.draw(st.one_of(st.sampled_from(HEX), st.sampled_from(HEX),
                              st.sampled_from(b"gGz \n<>()/\x00")), label="digit")
    if new == original[position]:
        new = HEX[(HEX.index(new) + 1) % 16] if new in HEX[:16] else ord("g")
    assert_a_verdict("test_a_changed_hex_digit_in_the_signature_contents", original,
                     replaced(original, position, bytes([new])), quiet_log)


@fuzz
@given(data=st.data())
def test_a_changed_byte_inside_the_signed_byte_range(documents, quiet_log, data):
    original = documents[data.draw(WHICH)]
    _, first_length, second_start, second_length = byte_range(original)
    position = data.draw(st.one_of(st.integers(0, first_length - 1),
                                   st.integers(second_start, second_start + second_length - 1)),
                         label="position")
    flip = data.draw(st.integers(1, 255), label="xor")
    mutated = replaced(original, position, bytes([original[position] ^ flip]))
    verdict = assert_a_verdict("test_a_changed_byte_inside_the_signed_byte_range", original,
                               mutated, quiet_log)
    assert not verdict.genuine


@fuzz
@given(data=st.data())
def test_a_changed_byte_in_the_cross_reference_sections_or_trailer(documents, quiet_log, data):
    original = documents[data.draw(WHICH)]
    start, end = data.draw(st.sampled_from(xref_regions(original)), label="region")
    position = data.draw(st.integers(start, end - 1), label="position")
    new = data.draw(st.one_of(st.sampled_from(b"0123456789"), st.integers(0, 255)),
                    label="byte")
    if new == original[position]:
        new = (new + 1) % 256
    mutated = replaced(original, position, bytes([new]))
    verdict = assert_a_verdict("test_a_changed_byte_in_the_cross_reference_sections_or_trailer",
                               original, mutated, quiet_log)
    assert not verdict.genuine


@fuzz
@given(data=st.data())
def test_a_truncated_file(documents, quiet_log, data):
    original = documents[data.draw(WHICH)]
    length = data.draw(st.integers(0, len(original) - 1), label="length")
    verdict = assert_a_verdict("test_a_truncated_file", original, original[:length], quiet_log)
    assert not verdict.genuine


@fuzz
@given(data=st.data())
def test_something_appended_after_signing(documents, quiet_log, data):
    original = documents[data.draw(WHICH)]
    kind = data.draw(st.sampled_from(["object", "catalogue", "raw", "raw"]), label="kind")
    if kind == "raw":
        tail = data.draw(st.one_of(
            st.binary(min_size=1, max_size=200),
            st.sampled_from([b"\n", b"%%EOF\n", b"\nstartxref\n0\n%%EOF\n",
                             b"\n1 0 obj\n<< >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"])),
            label="tail")
        assert_a_verdict("test_something_appended_after_signing", original, original + tail,
                         quiet_log)
    else:
        text = data.draw(st.text(max_size=40), label="text")
        assert_a_verdict("test_something_appended_after_signing", original,
                         pyhanko_update(original, kind, text), quiet_log, expect=ADDED)


def mutations(original: bytes, rng: random.Random) -> list[bytes]:
    """One case of each kind, seeded: the sample for the page."""
    start, end = contents_span(original)
    position = rng.randrange(start, end)
    _, first_length, _, _ = byte_range(original)
    region = rng.choice(xref_regions(original))
    at = rng.randrange(*region)
    return [
        replaced(original, position, b"0" if original[position:position + 1] != b"0" else b"1"),
        replaced(original, rng.randrange(first_length), bytes([rng.randrange(256)])),
        replaced(original, at, b"9" if original[at:at + 1] != b"9" else b"8"),
        original[:rng.randrange(len(original))],
        pyhanko_update(original, rng.choice(["object", "catalogue"]), "x"),
        original + rng.randbytes(rng.randrange(1, 64)),
    ]


def test_the_page_answers_200_with_a_verdict_for_a_sample(documents, client, quiet_log):
    rng = random.Random(20260305)
    sample = [case for original in documents for _ in range(4)
              for case in mutations(original, rng)]
    client.raise_request_exception = False
    for case in sample:
        cache.clear()  # the page's rate limit per address is not the subject here
        response = client.post("/verify/", {
            "pdf": SimpleUploadedFile("offer.pdf", case, "application/pdf")})
        assert response.status_code == 200
        verdict = response.context["verdict"]
        assert verdict is not None and verdict.message
        assert not verdict.genuine or case in documents
    assert len(sample) == 48
    for original in documents:
        cache.clear()
        response = client.post("/verify/", {
            "pdf": SimpleUploadedFile("offer.pdf", original, "application/pdf")})
        assert response.context["verdict"].genuine


def test_the_default_budget_is_at_least_2000_mutated_pdfs():
    assert len(FUZZ_TESTS) * 400 >= 2000
    if "SSA_VERIFY_FUZZ_EXAMPLES" not in os.environ:
        assert EXAMPLES_PER_TEST * len(FUZZ_TESTS) >= 2000
