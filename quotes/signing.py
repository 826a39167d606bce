"""PAdES signatures with pyHanko: the distributor signs every issued offer
(docs/DOMAIN.md#signed-pdfs-and-verification).

The key and certificate come from a PKCS#12 file whose path and passphrase are configured in
the environment (`SSA_SIGNING_P12`, `SSA_SIGNING_PASSPHRASE`); `manage.py create_signing_cert`
makes a development one in the git-ignored data folder, with its passphrase beside it.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _


class SigningUnavailable(Exception):
    """The signing key cannot be loaded; `message` tells the operator what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def passphrase_file(p12: Path) -> Path:
    """Where `create_signing_cert` keeps a development key's passphrase (never in git)."""
    return p12.with_suffix(".passphrase")


def _passphrase(p12: Path) -> bytes | None:
    if settings.SSA_SIGNING_PASSPHRASE is not None:
        return settings.SSA_SIGNING_PASSPHRASE.encode()
    beside = passphrase_file(p12)
    return beside.read_text().strip().encode() if beside.exists() else None


@lru_cache(maxsize=4)
def _load(path: str, mtime: float, passphrase: bytes | None):
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(pfx_file=path, passphrase=passphrase)
    if signer is None:
        raise SigningUnavailable(_("The signing key %(path)s cannot be opened: wrong passphrase "
                                   "or not a PKCS#12 file.") % {"path": path})
    return signer


def load_signer():
    """The distributor's signer. Raises SigningUnavailable when the key is missing or
    unreadable, before anything is numbered or sent."""
    p12 = Path(settings.SSA_SIGNING_P12)
    if not p12.is_file():
        raise SigningUnavailable(_("No signing key is configured (%(path)s is missing), so no "
                                   "offer can be issued. Set SSA_SIGNING_P12 and "
                                   "SSA_SIGNING_PASSPHRASE, or run manage.py "
                                   "create_signing_cert for development.") % {"path": p12})
    try:
        return _load(str(p12), p12.stat().st_mtime, _passphrase(p12))
    except SigningUnavailable:
        raise
    except Exception as error:  # noqa: BLE001 - any failure to read the key means "no key"
        raise SigningUnavailable(_("The signing key %(path)s cannot be read: %(error)s") % {
            "path": p12, "error": error}) from error


def _outside_event_loop(function, *args):
    """pyHanko's synchronous API runs its own asyncio loop, which fails inside a running one
    (an async view, or a test driving Playwright); then it runs in a worker thread instead."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def sign_pdf(pdf: bytes) -> bytes:
    """A PAdES baseline signature by the distributor over the whole document."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = load_signer()
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        name=settings.SSA_DISTRIBUTOR_NAME,
        reason="SSA offer",
        location="Norway",
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    key = signer.signing_cert.sha256
    reserved = _reserved_sizes.get(key)
    signed = _outside_event_loop(lambda: signers.sign_pdf(
        writer, metadata, signer=signer, bytes_reserved=reserved)).getvalue()
    if reserved is None:
        _reserved_sizes[key] = _reserved_size(signed)
    return signed


# Without `bytes_reserved`, pyHanko sizes the signature's placeholder by making a whole dummy
# signature first: a second RSA operation and CMS encoding, a third of the signing time. With no
# timestamp server the size is the same for every offer the same key signs, so the placeholder
# pyHanko chose the first time (its estimate plus its 50 % margin) is reused; were it ever too
# small, pyHanko refuses to sign rather than write a broken file.
_reserved_sizes: dict[bytes, int] = {}


def _reserved_size(signed: bytes) -> int:
    """The hex digits reserved for /Contents: the gap in the signature's /ByteRange."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    signature = PdfFileReader(BytesIO(signed), strict=False).embedded_signatures[-1]
    _, end_of_first, start_of_second, _ = signature.sig_object["/ByteRange"]
    return int(start_of_second) - int(end_of_first) - 2  # minus the < and > around the hex


@dataclass(frozen=True)
class SignatureCheck:
    """What validating an uploaded PDF found. `problem` is one of the PROBLEM_* codes."""

    genuine: bool
    problem: str = ""


PROBLEM_UNREADABLE = "unreadable"
PROBLEM_UNSIGNED = "unsigned"
PROBLEM_OTHER_SIGNER = "other-signer"
PROBLEM_TAMPERED = "tampered"
PROBLEM_CHANGED_AFTER_SIGNING = "changed-after-signing"


def check_signature(data: bytes) -> SignatureCheck:
    """Is `data` a PDF signed by our certificate, intact, with the signature covering the whole
    file (nothing appended afterwards)?"""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # noqa: BLE001 - a file pyHanko cannot parse is simply not readable
        return SignatureCheck(False, PROBLEM_UNREADABLE)
    if not signatures:
        return SignatureCheck(False, PROBLEM_UNSIGNED)
    our_certificate = load_signer().signing_cert
    signature = signatures[0]
    if signature.signer_cert is None or signature.signer_cert.dump() != our_certificate.dump():
        return SignatureCheck(False, PROBLEM_OTHER_SIGNER)
    try:
        context = ValidationContext(trust_roots=[our_certificate], allow_fetching=False)
        status = _outside_event_loop(validate_pdf_signature, signature, context)
    except Exception:  # noqa: BLE001 - a broken signature structure is a tampered file
        return SignatureCheck(False, PROBLEM_TAMPERED)
    if not (status.intact and status.valid):
        return SignatureCheck(False, PROBLEM_TAMPERED)
    if len(signatures) > 1 or status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SignatureCheck(False, PROBLEM_CHANGED_AFTER_SIGNING)
    return SignatureCheck(True)
