"""Issue 25 #4: the CA key in an HSM (PKCS#11; Debian's SoftHSM 2 here). Every signing path works with a key that
cannot leave the token, and what it signs passes openssl and pkilint against the CA certificate alone."""

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from naccs.pki import ca, hsm, ocsp_signer, revocation, server_certificate
from naccs.terminals.models import Certificate

from .conftest import acquire, certify, openssl, uncertified_terminal, write_pem
from .est_helpers import REENROLL, csr_for, est_body, from_proxy
from .test_prepared import post, request_for
from .test_standards import pkilint

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["ec", "rsa"])
def hsm_ca(request, token, settings, tmp_path):
    """A CA whose key was made in the token (P-256 or RSA 2048), in a CA_DIR of its own; that directory."""
    settings.CA_DIR = tmp_path / "ca"
    ca.create(key_type=request.param, common_name="NACCS Support HSM Test CA")
    write_pem(tmp_path / "ca.pem", ca.get_authority().certificate)
    return settings.CA_DIR


def token_private_key(certificate):
    return hsm.session().get_key(object_class=hsm.ObjectClass.PRIVATE_KEY, id=hsm.key_id(certificate))


def test_the_key_is_made_in_the_token_and_never_leaves_it(hsm_ca):
    import pkcs11
    from pkcs11 import Attribute, KeyType, exceptions

    authority = ca.get_authority()
    assert isinstance(authority._private_key, (hsm.TokenECKey, hsm.TokenRSAKey))
    assert sorted(path.name for path in hsm_ca.iterdir()) == [ca.CERT_FILE]  # no key file, ever
    key = token_private_key(authority.certificate)
    assert key[Attribute.SENSITIVE] and key[Attribute.NEVER_EXTRACTABLE] and not key[Attribute.EXTRACTABLE]
    # The token refuses to give out the key's value, in clear or wrapped under a key of ours.
    secret_part = Attribute.VALUE if key.key_type == KeyType.EC else Attribute.PRIVATE_EXPONENT
    with pytest.raises(exceptions.AttributeSensitive):
        key[secret_part]
    wrapping = hsm.session().generate_key(KeyType.AES, 256, capabilities=pkcs11.MechanismFlag.WRAP)
    with pytest.raises(exceptions.KeyUnextractable):
        wrapping.wrap_key(key)
    with pytest.raises(TypeError):
        authority._private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


@pytest.mark.usefixtures("proxy_secret")
def test_certificates_of_acquisition_and_est_verify_against_the_ca(hsm_ca, renewable, company, client, tmp_path):
    (tmp_path / "acquired.pem").write_text(acquire().certificate.pem)  # 取得
    other = uncertified_terminal(company, name="22220B")
    current = Certificate.objects.get(pk=certify(other, age_days=350).pk)
    _, csr = csr_for("22220B")
    response = client.post(REENROLL, est_body(csr), content_type="application/pkcs10", **from_proxy(current.pem))
    assert response.status_code == 200
    renewed = Certificate.objects.filter(terminal=other).order_by("-id").first()  # EST simplereenroll
    (tmp_path / "renewed.pem").write_text(renewed.pem)
    for name in ("acquired.pem", "renewed.pem"):
        result = openssl("verify", "-CAfile", "ca.pem", name, cwd=tmp_path)
        assert result.stdout.strip() == f"{name}: OK", result.stderr
        assert pkilint("lint_pkix_cert", "lint", "-s", "WARNING", str(tmp_path / name)) == "", name
    assert pkilint("lint_pkix_cert", "lint", "-s", "WARNING", str(tmp_path / "ca.pem")) == ""


def test_the_crl_is_signed_in_the_token(hsm_ca, renewable, tmp_path):
    acquire()  # supersedes the first certificate: the CRL lists it
    (tmp_path / "crl.der").write_bytes(bytes(revocation.current_crl().der))
    assert len(x509.load_der_x509_crl((tmp_path / "crl.der").read_bytes())) == 1
    result = openssl("crl", "-inform", "DER", "-in", "crl.der", "-CAfile", "ca.pem", "-noout", cwd=tmp_path)
    assert "verify OK" in result.stderr + result.stdout, result.stderr
    assert pkilint("lint_crl", "lint", "-t", "CRL", "-p", "PKIX", "-s", "WARNING", str(tmp_path / "crl.der")) == ""


def test_the_ocsp_responder_certificate_and_its_answers(hsm_ca, renewable, client, tmp_path):
    good = acquire().certificate
    responder = ocsp_signer.ensure_current()  # its certificate signed by the CA, in the token
    write_pem(tmp_path / "responder.pem", responder.certificate)
    (tmp_path / "leaf.pem").write_text(good.pem)
    result = openssl("verify", "-CAfile", "ca.pem", "-purpose", "ocsphelper", "responder.pem", cwd=tmp_path)
    assert result.stdout.strip() == "responder.pem: OK", result.stderr
    assert pkilint("lint_pkix_cert", "lint", "-s", "WARNING", str(tmp_path / "responder.pem")) == ""
    # One certificate (the builder's path) and two at once (sign_data's), as `openssl ocsp` asks.
    (tmp_path / "one.der").write_bytes(post(client, request_for(good)).content)
    openssl("ocsp", "-issuer", "ca.pem", "-cert", "leaf.pem", "-cert", "leaf.pem", "-reqout", "two-req.der",
            cwd=tmp_path)  # fmt: skip
    (tmp_path / "two.der").write_bytes(post(client, (tmp_path / "two-req.der").read_bytes()).content)
    for name in ("one.der", "two.der"):
        result = openssl("ocsp", "-respin", name, "-no_nonce", "-CAfile", "ca.pem", "-issuer", "ca.pem",
                         "-cert", "leaf.pem", cwd=tmp_path)  # fmt: skip
        assert "Response verify OK" in result.stderr, result.stdout + result.stderr
        assert "leaf.pem: good" in result.stdout, result.stdout
        assert pkilint("lint_ocsp_response", "lint", "-s", "WARNING", str(tmp_path / name)) == "", name


def test_sign_data_signs_in_the_token(hsm_ca):
    authority = ca.get_authority()
    data = b"DER that no builder of cryptography makes"
    signature = authority.sign_data(data)
    public_key = authority.certificate.public_key()
    public_key.verify(signature, data, *verification(authority))
    with pytest.raises(InvalidSignature):
        public_key.verify(signature, data + b".", *verification(authority))
    ec_key = isinstance(public_key, ec.EllipticCurvePublicKey)
    assert authority.signature_algorithm == ("sha256_ecdsa" if ec_key else "sha256_rsa")


def test_the_tls_server_certificate_is_signed_in_the_token(hsm_ca, tmp_path):
    assert server_certificate.ensure_server_certificate(tmp_path / "tls", ["127.0.0.1", "localhost"])
    pem = tmp_path / "tls" / server_certificate.SERVER_CERT
    result = openssl("verify", "-CAfile", str(tmp_path / "ca.pem"), str(pem), cwd=tmp_path)
    assert result.stdout.strip().endswith(": OK"), result.stdout + result.stderr


def test_a_forked_worker_initialises_the_module_again_before_it_signs(hsm_ca, monkeypatch):
    """gunicorn forks its workers, and PKCS#11 forbids a child to use its parent's module state: a child initialises
    the module anew, then logs in and signs."""
    import os

    import pkcs11

    authority = ca.get_authority()
    authority.sign_data(b"the parent signs first")
    loaded = pkcs11.lib

    class Watched:
        reinitialised = False

        def __init__(self, so):
            self.library = loaded(so)

        def reinitialize(self):
            Watched.reinitialised = True
            self.library.reinitialize()

        def __getattr__(self, name):
            return getattr(self.library, name)

    monkeypatch.setattr(pkcs11, "lib", Watched)
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            data = b"signed in a forked child"
            forked = ca.get_authority()
            signature = forked.sign_data(data)
            forked.certificate.public_key().verify(signature, data, *verification(forked))
            os.write(writing, b"signed" if Watched.reinitialised else b"signed without initialising again")
        except BaseException as error:
            os.write(writing, repr(error).encode())
        finally:
            os._exit(0)
    os.close(writing)
    os.waitpid(child, 0)
    with os.fdopen(reading, "rb") as report:
        assert report.read() == b"signed"


# python-pkcs11 finalises the failed search on the dead session and reports that it cannot: expected here.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_lost_session_is_opened_again(hsm_ca):
    """An HSM that restarted (or a network HSM that reconnected) has dropped the session: the next signature logs in
    on a new one instead of failing until the process restarts."""
    authority = ca.get_authority()
    hsm.session().close()
    data = b"signed after the HSM restarted"
    authority.certificate.public_key().verify(authority.sign_data(data), data, *verification(authority))


def verification(authority) -> tuple:
    if isinstance(authority.certificate.public_key(), ec.EllipticCurvePublicKey):
        return (ec.ECDSA(hashes.SHA256()),)
    return (padding.PKCS1v15(), hashes.SHA256())
