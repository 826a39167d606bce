"""The offer as an archival, accessible document (docs/DOMAIN.md#signed-pdfs-and-verification):
PDF/A-3b (XMP identification, an sRGB output intent, every font embedded) and tagged (a
structure tree, the document's language, alternative texts), and still so once signed: the
signature is an incremental update that keeps the PDF/A identification and the information
dictionary in agreement with the XMP metadata. Read back with pyHanko's reader and poppler."""

import re
import subprocess
from datetime import date
from io import BytesIO

import pytest

from quotes import services, signing, verification
from quotes.pdf import render_quote_pdf
from tests.quotes.factories import example_d

TODAY = date(2026, 3, 5)  # the suite's frozen clock


@pytest.fixture
def offer_pdf(staff, user_a, customer_a):
    def make(language="nb"):
        draft = services.quote_create(customer=customer_a,
                                      installations=[example_d(customer_a)], user=user_a,
                                      language=language)
        offer = services.quote_issue(quote=draft, user=staff, today=TODAY, prepare_pdf=False)
        return render_quote_pdf(offer, today=TODAY)

    return make


def read(pdf: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    return PdfFileReader(BytesIO(pdf), strict=False)


def xmp(reader) -> str:
    return reader.root["/Metadata"].get_object().data.decode("utf-8")


def xmp_value(text: str, name: str) -> str:
    """A simple XMP property, written as an attribute or an element."""
    found = re.search(rf'{name}="([^"]*)"|<{name}>([^<]*)</{name}>', text)
    return (found.group(1) or found.group(2)) if found else ""


def structure_types(reader) -> set[str]:
    """Every structure element type (/S) in the structure tree."""
    found, todo = set(), [reader.root["/StructTreeRoot"]]
    while todo:
        node = todo.pop()
        if isinstance(node, list):
            todo.extend(node)
            continue
        node = node.get_object() if hasattr(node, "get_object") else node
        if not hasattr(node, "get"):
            continue  # a marked-content id
        if "/S" in node:
            found.add(str(node["/S"]))
        if "/K" in node:
            kids = node["/K"]
            todo.extend(kids if isinstance(kids, list) else [kids])
    return found


def test_an_offer_is_pdf_a_3b_with_xmp_metadata_an_output_intent_and_embedded_fonts(
        offer_pdf, tmp_path):
    pdf = offer_pdf()
    assert pdf.startswith(b"%PDF-1.7\n")
    reader = read(pdf)
    metadata = xmp(reader)
    assert xmp_value(metadata, "pdfaid:part") == "3"
    assert xmp_value(metadata, "pdfaid:conformance") == "B"
    assert "SSA-tilbud SSA-2026-00001" in metadata, "the title is in the XMP"
    (intent,) = reader.root["/OutputIntents"]
    assert intent["/S"] == "/GTS_PDFA1"
    assert "sRGB" in str(intent["/OutputConditionIdentifier"])
    assert intent["/DestOutputProfile"].get_object().data[36:40] == b"acsp", "an ICC profile"
    assert len(reader.trailer_view["/ID"]) == 2
    path = tmp_path / "offer.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(row.split()[-5] == "yes" for row in fonts), "every font embedded"


@pytest.mark.parametrize("language", ["nb", "en"])
def test_an_offer_is_tagged_with_its_language_a_structure_tree_and_alternative_texts(
        offer_pdf, language):
    reader = read(offer_pdf(language))
    assert str(reader.root["/Lang"]) == language
    assert reader.root["/MarkInfo"]["/Marked"]
    assert reader.root["/ViewerPreferences"]["/DisplayDocTitle"]
    types = structure_types(reader)
    assert {"/Document", "/H1", "/H2", "/P", "/Table", "/TH", "/TD", "/L", "/LI",
            "/Figure"} <= types
    figures = []
    todo = [reader.root["/StructTreeRoot"]]
    while todo:
        node = todo.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            todo.extend(node)
        elif hasattr(node, "get"):
            if node.get("/S") == "/Figure":
                figures.append(str(node.get("/Alt", "")))
            if "/K" in node:
                todo.append(node["/K"])
    expected = ("QR-kode med kontrollenken" if language == "nb"
                else "QR code of the verification link")
    assert figures == [expected], "the QR code has its alternative text"


def test_a_signed_offer_stays_pdf_a_3b_and_tagged_and_pdfsig_says_it_is_valid(offer_pdf,
                                                                              tmp_path):
    unsigned = offer_pdf()
    signed = signing.sign_pdf(unsigned).data
    assert signed.startswith(unsigned), "signing is an incremental update"
    reader = read(signed)
    metadata = xmp(reader)
    assert (xmp_value(metadata, "pdfaid:part"), xmp_value(metadata, "pdfaid:conformance")) == (
        "3", "B")
    info = reader.trailer_view["/Info"]
    assert str(info["/Producer"]) == xmp_value(metadata, "pdf:Producer"), (
        "PDF/A: the information dictionary agrees with the XMP")
    assert "/ModDate" not in info or xmp_value(metadata, "xmp:ModifyDate")
    assert str(info["/Title"]) in metadata
    assert "/StructTreeRoot" in reader.root and str(reader.root["/Lang"]) == "nb"
    assert "/OutputIntents" in reader.root
    form = reader.root["/AcroForm"]
    assert not form.get("/NeedAppearances", False)
    (widget,) = [field.get_object() for field in form["/Fields"]]
    flags = int(widget["/F"])
    assert flags & 4 and not flags & (1 | 2 | 32), "printable, neither hidden nor invisible"
    assert [float(x) for x in widget["/Rect"]] == [0, 0, 0, 0], "an invisible signature"
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid." in report and "Total document signed" in report
    assert verification.check_signature(signed).genuine
