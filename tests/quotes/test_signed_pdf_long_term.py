"""PAdES B-LT (docs/SECURITY.md#long-term-validation-of-signatures): with a timestamp authority
configured, the offer's signature carries an RFC 3161 timestamp and the document the
certificates, CRLs and OCSP responses that validate it years later, in the signature's own
revision; without one, B-B as before. Against a test PKI of certomancer's — a root, an
intermediate with its OCSP responder, a timestamp authority, the distributor's signing
certificate — served by this test on 127.0.0.1: nothing leaves the machine."""

import subprocess
import threading
from datetime import UTC, datetime
from io import BytesIO
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from quotes import signing, verification

KEYS = ("root", "interm", "interm-ocsp", "tsa", "signer")
VALIDITY = {"valid-from": "2020-01-01T00:00:00+0000", "valid-to": "2040-01-01T00:00:00+0000"}


def _usage(*bits):
    return {"id": "key_usage", "critical": True,
            "smart-value": {"schema": "key-usage", "params": list(bits)}}


def _crl_from(repo):
    return {"id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": [repo]}}}


def pki_config(url: str) -> dict:
    """A root; an intermediate issuing the distributor's signing certificate, with a CRL and an
    OCSP responder; a timestamp authority under the root, with the root's CRL."""
    ca = [{"id": "basic_constraints", "critical": True, "value": {"ca": True}},
          _usage("digital_signature", "key_cert_sign", "crl_sign")]
    return {
        "external-url-prefix": url,
        "keysets": {"ssa": {"keys": {key: {"path": f"{key}.key.pem"} for key in KEYS}}},
        "pki-architectures": {"ssa": {
            "keyset": "ssa",
            "entity-defaults": {"country-name": "NO", "organization-name": "SSA Test PKI"},
            "entities": {"root": {"common-name": "Test Root CA"},
                         "interm": {"common-name": "Test Issuing CA"},
                         "interm-ocsp": {"common-name": "Test OCSP responder"},
                         "tsa": {"common-name": "Test Time Stamping Authority"},
                         "signer": {"common-name": "Nordic Unified AS offer signing",
                                    "organization-name": "Nordic Unified AS"}},
            "certs": {
                "root": {"subject": "root", "issuer": "root", "validity": VALIDITY,
                         "extensions": ca},
                "interm": {"issuer": "root", "validity": VALIDITY,
                           "extensions": [*ca, _crl_from("root")]},
                "interm-ocsp": {"issuer": "interm", "validity": VALIDITY, "extensions": [
                    _usage("digital_signature"),
                    {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                    {"id": "ocsp_no_check"}]},
                "tsa": {"issuer": "root", "validity": VALIDITY, "extensions": [
                    _usage("digital_signature"),
                    {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                    _crl_from("root")]},
                "signer": {"issuer": "interm", "validity": VALIDITY, "extensions": [
                    _usage("digital_signature", "non_repudiation"), _crl_from("interm"),
                    {"id": "authority_information_access", "smart-value": {
                        "schema": "aia-urls", "params": {"ocsp-responder-names": ["interm"]}}}]},
            },
            "services": {
                "ocsp": {"interm": {"for-issuer": "interm", "responder-cert": "interm-ocsp",
                                    "signing-key": "interm-ocsp"}},
                "crl-repo": {"root": {"for-issuer": "root", "signing-key": "root",
                                      "simulated-update-schedule": "P90D"},
                             "interm": {"for-issuer": "interm", "signing-key": "interm",
                                        "simulated-update-schedule": "P30D"}},
                "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
            },
        }},
    }


class _Later:
    """The WSGI application, set once the server's port is known (the certificates name it)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture
def test_pki(tmp_path, settings):
    """The test PKI served on 127.0.0.1 (certomancer's Animator under werkzeug), the offer
    signing key issued by it, and the portal configured for its timestamp authority."""
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertomancerConfig
    from werkzeug.serving import make_server

    for key in KEYS:
        (tmp_path / f"{key}.key.pem").write_bytes(ec.generate_private_key(ec.SECP256R1())
                                                  .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    app = _Later()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    arch = CertomancerConfig(pki_config(url), key_search_dir=str(tmp_path)).get_pki_arch("ssa")
    app.app = Animator(AnimatorArchStore({arch.arch_label: arch}), with_web_ui=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    p12 = tmp_path / "signing.p12"
    # The PKCS#12 file carries the intermediate only: the root comes from the trust roots file.
    p12.write_bytes(arch.package_pkcs12("signer", certs_to_embed=["interm"], password=b"pki"))
    roots = tmp_path / "roots.pem"
    roots.write_bytes(serialization_pem(arch.get_cert("root")))
    settings.SSA_SIGNING_P12, settings.SSA_SIGNING_PASSPHRASE = p12, "pki"
    settings.SSA_SIGNING_TRUST_ROOTS = roots
    settings.SSA_TSA_URL = f"{url}/ssa/tsa/tsa"
    yield SimpleNamespace(arch=arch, server=server)
    server.shutdown()
    thread.join(timeout=5)


def serialization_pem(certificate) -> bytes:
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", certificate.dump())


def an_offer_pdf() -> bytes:
    import weasyprint

    from quotes.pdf import PDF_VARIANT

    return weasyprint.HTML(string='<html lang="nb"><title>Tilbud</title><p>Tilbud</p></html>'
                           ).write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)


def validated_offline(signed: bytes, root):
    """pyHanko's validation of the signature and its timestamp with nothing but the root and
    what the document carries: no fetching, and revocation data required for every
    certificate (hard-fail)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature

    reader = PdfFileReader(BytesIO(signed))
    (signature,) = reader.embedded_signatures
    context = DocumentSecurityStore.read_dss(reader).as_validation_context({
        "trust_roots": [root], "allow_fetching": False, "revocation_mode": "hard-fail"})
    return signing._outside_event_loop(lambda: validate_pdf_signature(signature, context))


def test_with_a_timestamp_authority_the_signature_is_timestamped_and_carries_its_validation_data(
        test_pki, db, tmp_path):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    signed = signing.sign_pdf(an_offer_pdf()).data
    reader = PdfFileReader(BytesIO(signed))
    dss = reader.root["/DSS"]
    assert len(dss["/Certs"]) >= 4, "signer, issuing CA, timestamp authority, root"
    assert len(dss["/OCSPs"]) >= 1, "the OCSP response for the signer"
    assert len(dss["/CRLs"]) >= 1, "the CRLs the CAs' certificates point to"
    test_pki.server.shutdown()  # from here on, only what the document carries
    status = validated_offline(signed, test_pki.arch.get_cert("root"))
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE, (
        "the validation data is in the signature's own revision")
    stamp = status.timestamp_validity
    assert stamp is not None and stamp.intact and stamp.valid and stamp.trusted
    assert stamp.timestamp == datetime(2026, 3, 5, 9, 30, tzinfo=UTC)  # the frozen clock
    assert "Test Time Stamping Authority" in stamp.signing_cert.subject.human_friendly
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid." in report and "Total document signed" in report


def test_the_portals_check_accepts_a_timestamped_signature_by_its_recorded_certificate(
        test_pki, db):
    signed = signing.sign_pdf(an_offer_pdf())
    fingerprint = signing.certificate_fingerprint(signed.certificate)
    check = signing.check_signature(signed.data, is_ours=lambda seen: seen == fingerprint)
    assert check == signing.SignatureCheck(True)
    assert check.fingerprint == fingerprint


def test_without_a_timestamp_authority_the_signature_is_b_b_as_before(db, settings):
    settings.SSA_TSA_URL = ""
    signed = signing.sign_pdf(an_offer_pdf())
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(signed.data))
    assert "/DSS" not in reader.root
    (signature,) = reader.embedded_signatures
    unsigned = signature.signer_info["unsigned_attrs"].native or []
    assert all(a["type"] != "signature_time_stamp_token" for a in unsigned), "no timestamp"
    assert verification.check_signature(signed.data).genuine


def test_a_timestamp_authority_that_cannot_be_reached_fails_the_signature_to_be_retried(
        test_pki, settings, staff, user_a, customer_a):
    from django_tasks import default_task_backend

    from quotes import services
    from tests.quotes.factories import example_d

    settings.SSA_TSA_URL = "http://127.0.0.1:9/tsa"  # nothing listens there
    offer = services.quote_issue(quote=services.quote_create(
        customer=customer_a, installations=[example_d(customer_a)], user=user_a), user=staff,
        prepare_pdf=False)
    default_task_backend.clear()
    outcome = services.quote_prepare_pdf_or_retry(quote_id=offer.pk)
    offer.refresh_from_db()
    assert outcome.failed and not offer.pdf_sha256 and not offer.pdf
    assert offer.pdf_error.startswith("TimestampRequestError"), offer.pdf_error
    retries = [r for r in default_task_backend.results if r.task.name == "prepare_offer_pdf"]
    assert [r.args for r in retries] == [[offer.pk]] and retries[0].task.run_after is not None


def test_an_issued_offer_is_stored_with_its_timestamp_and_verifies_on_the_public_page(
        test_pki, client, staff, user_a, customer_a, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile

    from quotes import services
    from tests.quotes.factories import example_d

    draft = services.quote_create(customer=customer_a, installations=[example_d(customer_a)],
                                  user=user_a)
    with django_capture_on_commit_callbacks(execute=True):
        offer = services.quote_issue(quote=draft, user=staff)
    offer.refresh_from_db()
    with default_storage.open(offer.pdf.name, "rb") as stored:
        data = stored.read()
    assert b"/DSS" in data and offer.signing_certificate_id
    response = client.post("/verify/", {"pdf": SimpleUploadedFile("o.pdf", data,
                                                                  "application/pdf")})
    assert response.context["verdict"].genuine
