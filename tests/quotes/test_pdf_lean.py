"""The lean offer render (issue 8): the stroked QR path draws exactly the code's dark modules,
and signing with a reused signature placeholder still gives offers that verify."""

import re

import qrcode

from quotes import signing, verification
from quotes.pdf import qr_code_svg


def modules_drawn(svg: str) -> set[tuple[int, int]]:
    """The dark modules the SVG's path strokes: `M{x} {y}.5h{n}` is n modules from (x, y)."""
    path = re.search(r' d="([^"]*)"', svg).group(1)
    drawn = set()
    for x, y, n in re.findall(r"M(\d+) (\d+)\.5h(\d+)", path):
        drawn.update((int(x) + i, int(y)) for i in range(int(n)))
    assert len(re.findall(r"[A-Za-z]", path)) == 2 * len(re.findall(r"M", path)), "only M and h"
    return drawn


def test_the_qr_paths_strokes_cover_exactly_the_codes_dark_modules():
    text = "https://ssa.example.no/verify/Zm9vYmFyYmF6cXV4cXV1eA/"
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(text)
    code.make(fit=True)
    dark = {(x, y) for y, row in enumerate(code.get_matrix()) for x, cell in enumerate(row)
            if cell}
    assert modules_drawn(qr_code_svg(text)) == dark


def test_a_reused_signature_placeholder_still_gives_offers_that_verify(db):
    from weasyprint import HTML

    pdf = HTML(string="<p>Tilbud</p>").write_pdf()
    signing._reserved_sizes.clear()
    first = signing.sign_pdf(pdf).data
    assert len(signing._reserved_sizes) == 1, "the first signature's placeholder is kept"
    second = signing.sign_pdf(pdf).data
    assert len(first) == len(second)
    for signed in (first, second):
        assert verification.check_signature(signed).genuine
        assert signed.startswith(b"%PDF-")


def test_lines_are_grouped_in_runs_of_one_kind_and_period_in_their_order():
    from datetime import date
    from decimal import Decimal
    from types import SimpleNamespace

    from quotes.presentation import line_groups

    def line(kind, start, end, name):
        return SimpleNamespace(kind=kind, start=start, end=end, months=1, factor=Decimal(1),
                               license_name=name)

    a, b, c = date(2025, 7, 1), date(2026, 3, 1), date(2026, 7, 1)
    lines = [line("retroactive", a, b, "x"), line("retroactive", a, b, "y"),
             line("forward", b, c, "x")]
    groups = line_groups(lines)
    assert [(g.kind, [item.license_name for item in g.lines]) for g in groups] == [
        ("retroactive", ["x", "y"]), ("forward", ["x"])]


def test_the_offer_gets_weasyprints_user_agent_stylesheet_without_note_pseudo_elements():
    from quotes.pdf import _lean_html_class, _weasyprint

    html_class = _lean_html_class()
    assert html_class is not _weasyprint().HTML, "WeasyPrint's stylesheet changed: re-check"
    (sheet,) = html_class(string="<p>x</p>")._ua_stylesheets()
    assert sheet is not None
