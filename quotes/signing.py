"""PAdES signatures with pyHanko: the distributor signs every issued offer
(docs/DOMAIN.md#signed-pdfs-and-verification).

The key and certificate come from a PKCS#12 file whose path and passphrase are configured in
the environment (`SSA_SIGNING_P12`, `SSA_SIGNING_PASSPHRASE`); `manage.py create_signing_cert`
makes a development one in the git-ignored data folder, with its passphrase beside it, and
`manage.py rotate_signing_key` replaces it (docs/SECURITY.md#signing-keys-and-their-rotation).

Checking a signature needs no key: the caller says which certificates are the distributor's
(`quotes/certificates.py`: every certificate it ever signed with).
"""

import asyncio
import contextvars
import functools
import hashlib
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class SigningUnavailable(Exception):
    """The signing key cannot be loaded; `message` tells the operator what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def passphrase_file(p12: Path) -> Path:
    """Where `create_signing_cert` keeps a development key's passphrase (never in git)."""
    return p12.with_suffix(".passphrase")


def build_p12(*, organisation: str, passphrase: bytes, now: datetime) -> bytes:
    """A self-signed development key and certificate for `organisation` as PKCS#12, encrypted
    with `passphrase`, valid from the day before `now` for ten years (`create_signing_cert`
    writes one; the tests sign with one). Production keys come from the distributor's CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "NO"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} offer signing (development)"),
    ])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * 10))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"offer-signing", key, certificate, None,
        serialization.BestAvailableEncryption(passphrase))


def _passphrase(p12: Path) -> bytes | None:
    if settings.SSA_SIGNING_PASSPHRASE is not None:
        return settings.SSA_SIGNING_PASSPHRASE.encode()
    beside = passphrase_file(p12)
    return beside.read_text().strip().encode() if beside.exists() else None


@functools.lru_cache(maxsize=4)
def _load(path: str, version: tuple[int, int], passphrase: bytes | None):
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(pfx_file=path, passphrase=passphrase)
    if signer is None:
        raise SigningUnavailable(_("The signing key %(path)s cannot be opened: wrong passphrase "
                                   "or not a PKCS#12 file.") % {"path": path})
    return signer


def load_signer(p12: Path | None = None, passphrase: bytes | None = None):
    """The distributor's signer: the configured key, or the PKCS#12 file `p12` opened with
    `passphrase` (a new key being installed). Raises SigningUnavailable when the key is missing
    or unreadable, before anything is numbered or sent."""
    configured = p12 is None
    p12 = Path(settings.SSA_SIGNING_P12) if configured else Path(p12)
    if not p12.is_file():
        raise SigningUnavailable(_("No signing key is configured (%(path)s is missing), so no "
                                   "offer can be issued. Set SSA_SIGNING_P12 and "
                                   "SSA_SIGNING_PASSPHRASE, or run manage.py "
                                   "create_signing_cert for development.") % {"path": p12})
    try:
        stat = p12.stat()
        return _load(str(p12), (stat.st_mtime_ns, stat.st_size),
                     _passphrase(p12) if configured else passphrase)
    except SigningUnavailable:
        raise
    except Exception as error:  # noqa: BLE001 - any failure to read the key means "no key"
        raise SigningUnavailable(_("The signing key %(path)s cannot be read: %(error)s") % {
            "path": p12, "error": error}) from error


def configured_certificate():
    """The certificate of the configured key, or None when the key cannot be read. Only the
    certificate is used (verification, recording it); never the key."""
    try:
        return load_signer().signing_cert
    except SigningUnavailable:
        return None


def certificate_fingerprint(certificate) -> str:
    """How the portal names a certificate: the SHA-256 of its DER encoding, in hex."""
    return hashlib.sha256(certificate.dump()).hexdigest()


def write_development_key(path: Path, *, organisation: str, now: datetime) -> None:
    """Write a new self-signed development key to `path` (replacing one there), encrypted with
    SSA_SIGNING_PASSPHRASE or else a new passphrase kept beside it. Each file is replaced whole
    (written aside, then renamed), so nothing ever reads half a key."""
    import secrets

    given = settings.SSA_SIGNING_PASSPHRASE
    passphrase = given if given is not None else secrets.token_urlsafe(24)
    path.parent.mkdir(parents=True, exist_ok=True)
    _replace_file(path, build_p12(organisation=organisation, passphrase=passphrase.encode(),
                                  now=now))
    if given is None:
        _replace_file(passphrase_file(path), passphrase.encode())
    _load.cache_clear()


def _replace_file(path: Path, content: bytes) -> None:
    aside = path.with_name(f".{path.name}.new")
    aside.unlink(missing_ok=True)
    with os.fdopen(os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
        file.write(content)
    aside.replace(path)


def _outside_event_loop(function, *args):
    """pyHanko's synchronous API runs its own asyncio loop, which fails inside a running one
    (an async view, or a test driving Playwright); then it runs in a worker thread instead
    (in the caller's context, so a check stays quiet there too)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(contextvars.copy_context().run, function, *args).result()


@dataclass(frozen=True)
class SignedPdf:
    """A signed document and the certificate of the key that signed it."""

    data: bytes
    certificate: object  # asn1crypto.x509.Certificate


def sign_pdf(pdf: bytes) -> SignedPdf:
    """A PAdES signature by the distributor over the whole document: baseline B-B, or, when a
    timestamp authority is configured (SSA_TSA_URL), B-LT: an RFC 3161 timestamp of the
    signature, and the certificates, CRLs and OCSP responses that validate the signer's and the
    timestamp authority's certificates in the document's security store (DSS), written in the
    signature's own revision, so the signature still covers the whole file."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = load_signer()
    long_term = {}
    timestamper = None
    if settings.SSA_TSA_URL:
        from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
        from pyhanko.sign.timestamps import HTTPTimeStamper

        timestamper = HTTPTimeStamper(settings.SSA_TSA_URL,
                                      timeout=settings.SSA_TSA_TIMEOUT_SECONDS)
        long_term = {
            "embed_validation_info": True,
            "validation_context": _long_term_validation_context(signer),
            "dss_settings": DSSContentSettings(
                placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False),
        }
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        name=settings.SSA_DISTRIBUTOR_NAME,
        reason="SSA offer",
        location="Norway",
        **long_term,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    _producer_as_the_xmp_will_say(writer)
    key = signer.signing_cert.sha256
    # A timestamp and fetched revocation data vary in size: pyHanko sizes those each time.
    reserved = None if timestamper else _reserved_sizes.get(key)
    signed = _outside_event_loop(lambda: signers.sign_pdf(
        writer, metadata, signer=signer, timestamper=timestamper,
        bytes_reserved=reserved)).getvalue()
    if reserved is None and timestamper is None:
        _reserved_sizes[key] = _reserved_size(signed)
    return SignedPdf(signed, signer.signing_cert)


def _long_term_validation_context(signer):
    """What B-LT collects validation data with: the signer's chain from its PKCS#12 file, trust
    anchored in the roots among it and those of SSA_SIGNING_TRUST_ROOTS (the timestamp
    authority's root, or the signer's when the PKCS#12 file lacks it); missing revocation data
    is tolerated (a development key has none), anything the certificates point to is fetched."""
    from pyhanko_certvalidator import ValidationContext

    chain = [signer.signing_cert, *signer.cert_registry]
    roots = [c for c in chain if c.self_signed != "no"] + list(configured_trust_roots())
    return ValidationContext(trust_roots=roots, other_certs=chain, allow_fetching=True,
                             revocation_mode="soft-fail")


def configured_trust_roots() -> tuple:
    """The certificates of the PEM file SSA_SIGNING_TRUST_ROOTS (none without one)."""
    path = settings.SSA_SIGNING_TRUST_ROOTS
    if not path:
        return ()
    stat = Path(path).stat()
    return _read_certificates(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _read_certificates(path: str, version: int, size: int) -> tuple:
    from asn1crypto import pem, x509

    data = Path(path).read_bytes()
    if not pem.detect(data):
        return (x509.Certificate.load(data),)
    return tuple(x509.Certificate.load(der) for _type, _headers, der
                 in pem.unarmor(data, multiple=True))


def _producer_as_the_xmp_will_say(writer) -> None:
    """The offer is PDF/A-3b, which wants the information dictionary to agree with the XMP
    metadata. Signing, pyHanko writes itself as the XMP's producer but appends itself to the
    information dictionary's ("WeasyPrint …; pyHanko …"); so the dictionary gets the XMP's value
    first, in the same incremental update."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.metadata.model import VENDOR

    try:
        reference = writer.trailer.raw_get("/Info")
    except KeyError:
        return  # pyHanko then writes one with the same producer as the XMP
    info = reference.get_object()
    info["/Producer"] = generic.TextStringObject(VENDOR)
    writer.mark_update(reference)


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
    """What validating an uploaded PDF found. `problem` is one of the PROBLEM_* codes;
    `fingerprint` names the signer's certificate once it could be read; `detail` is one line
    for the log (never shown to the uploader)."""

    genuine: bool
    problem: str = ""
    fingerprint: str = field(default="", compare=False)
    detail: str = field(default="", compare=False)


PROBLEM_UNREADABLE = "unreadable"
PROBLEM_UNSIGNED = "unsigned"
PROBLEM_BROKEN_SIGNATURE = "broken-signature"
PROBLEM_OTHER_SIGNER = "other-signer"
PROBLEM_TAMPERED = "tampered"
PROBLEM_CHANGED_AFTER_SIGNING = "changed-after-signing"


def check_signature(data: bytes, *, is_ours: Callable[[str], bool]) -> SignatureCheck:
    """Is `data` a PDF signed with one of our certificates (`is_ours(fingerprint)`), intact,
    with the signature covering the whole file (nothing appended afterwards)? Every failure to
    parse or validate is an answer, never an exception; pyHanko's own warnings about the file
    go to DEBUG in one line (an uploaded file that is broken is no incident)."""
    _quiet_pyhanko_loggers()
    quiet = _quiet.set(True)
    try:
        return _check(data, is_ours)
    finally:
        _quiet.reset(quiet)


def _check(data: bytes, is_ours: Callable[[str], bool]) -> SignatureCheck:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:  # noqa: BLE001 - a file pyHanko cannot parse is not readable
        return SignatureCheck(False, PROBLEM_UNREADABLE, detail=_one_line(error))
    if not signatures:
        return SignatureCheck(False, PROBLEM_UNSIGNED)
    signature = signatures[0]
    try:
        # Parsed lazily: a damaged /Contents fails here, long after the file was read.
        certificate = signature.signer_cert
        fingerprint = certificate_fingerprint(certificate)
    except Exception as error:  # noqa: BLE001 - the signature itself is damaged or incomplete
        return SignatureCheck(False, PROBLEM_BROKEN_SIGNATURE,
                              detail="signer certificate unreadable: " + _one_line(error))
    if not is_ours(fingerprint):
        return SignatureCheck(False, PROBLEM_OTHER_SIGNER, fingerprint,
                              detail=f"signed by certificate {fingerprint}")
    try:
        # The certificate is pinned by its fingerprint, so it is its own trust root. The diff
        # analysis of later revisions is skipped: anything after the signature is refused.
        context = ValidationContext(trust_roots=[certificate], allow_fetching=False)
        status = _outside_event_loop(functools.partial(
            validate_pdf_signature, signature, context, skip_diff=True))
    except Exception as error:  # noqa: BLE001 - a broken signature structure is a tampered file
        return SignatureCheck(False, PROBLEM_TAMPERED, fingerprint, _one_line(error))
    if not (status.intact and status.valid):
        return SignatureCheck(False, PROBLEM_TAMPERED, fingerprint,
                              f"intact={status.intact} valid={status.valid}")
    if len(signatures) > 1 or status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SignatureCheck(False, PROBLEM_CHANGED_AFTER_SIGNING, fingerprint,
                              f"{len(signatures)} signature(s), coverage {status.coverage.name}")
    return SignatureCheck(True, fingerprint=fingerprint)


def _one_line(error: BaseException) -> str:
    """An exception as one printable line of the log (its text may quote the uploaded file)."""
    text = " ".join(f"{type(error).__name__}: {error}".split())[:300]
    return "".join(c if c.isprintable() else "?" for c in text)


# While an uploaded file is checked, pyHanko's loggers pass nothing on: what they would say
# (often with a traceback, some at ERROR) is about the uploader's file, so it goes to DEBUG in
# one line. A filter per logger, switched by a context variable, leaves pyHanko's messages while
# signing, and those of other threads, as they are.
_quiet: contextvars.ContextVar[bool] = contextvars.ContextVar("quiet_pyhanko", default=False)


class _QuietWhileChecking(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not _quiet.get():
            return True
        if logger.isEnabledFor(logging.DEBUG):
            text = " ".join(record.getMessage().split())[:300]
            logger.debug("pyHanko (%s, %s): %s", record.name, record.levelname,
                         "".join(c if c.isprintable() else "?" for c in text))
        return False


_QUIET_FILTER = _QuietWhileChecking()


def _quiet_pyhanko_loggers() -> None:
    """Put the filter on every pyHanko logger there is (modules create theirs on import)."""
    import pyhanko.sign.diff_analysis  # noqa: F401 - their loggers exist before the first check
    import pyhanko.sign.validation  # noqa: F401

    for name, candidate in list(logging.Logger.manager.loggerDict.items()):
        if (name.startswith("pyhanko") and isinstance(candidate, logging.Logger)
                and _QUIET_FILTER not in candidate.filters):
            candidate.addFilter(_QUIET_FILTER)
