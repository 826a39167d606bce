"""The lean offer render (issue 8): the stroked QR path draws exactly the code's dark modules,
and signing with a reused signature placeholder still gives offers that verify."""

import re

import qrcode

from quotes import signing
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
    first = signing.sign_pdf(pdf)
    assert len(signing._reserved_sizes) == 1, "the first signature's placeholder is kept"
    second = signing.sign_pdf(pdf)
    assert len(first) == len(second)
    for signed in (first, second):
        assert signing.check_signature(signed).genuine
        assert signed.startswith(b"%PDF-")
