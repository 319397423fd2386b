"""EST requests the portal must refuse cleanly or answer again: the key policy shared with 取得, serverkeygen's
password (DirectoryString types, length) checked before anything commits, and a request sent again after a lost
answer."""

import base64
import email
import os
import subprocess
import sys

import pytest
from asn1crypto import csr as asn1_csr
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from django.conf import settings

from naccs.pki import ca, est, key_policy, revocation
from naccs.pki.issuance import issue_certificate
from naccs.terminals.models import Certificate
from naccs.tests.helpers import database_url

from .conftest import ROOT
from .est_helpers import KEYGEN, REENROLL, csr_for, est_body, from_proxy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("proxy_secret")]


def post(client, path, body, presented):
    return client.post(path, body, content_type="application/pkcs10", **from_proxy(presented.pem))


def text_of(response) -> str:
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    return response.content.decode()


def nothing_happened(current):
    current.refresh_from_db()
    assert current.revoked_at is None
    assert Certificate.objects.filter(terminal=current.terminal).count() == 1


def openssl_csr(tmp_path, *key_command) -> bytes:
    """A PKCS#10 for 11110A made by openssl with a key cryptography may not even load (SM2, secp112r1, RSA-512)."""
    subprocess.run(["openssl", *key_command, "-out", "key.pem"], cwd=tmp_path, check=True, capture_output=True)
    made = subprocess.run(
        ["openssl", "req", "-new", "-key", "key.pem", "-subj", "/CN=11110A", "-outform", "DER"],
        cwd=tmp_path, check=True, capture_output=True,
    )  # fmt: skip
    return base64.encodebytes(made.stdout)


@pytest.mark.parametrize(
    "key_command, reason",
    [
        (["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512"], "RSA 512ビットの鍵は短すぎます"),
        (["genpkey", "-algorithm", "SM2"], "鍵の種類には対応していません"),
        (["ecparam", "-name", "secp112r1", "-genkey", "-noout"], "鍵の種類には対応していません"),
    ],
    ids=["rsa-512", "sm2", "secp112r1"],
)
@pytest.mark.parametrize("path", [REENROLL, KEYGEN], ids=["simplereenroll", "serverkeygen"])
def test_a_key_outside_the_policy_is_a_400_with_the_reason(client, current, tmp_path, key_command, reason, path):
    response = post(client, path, openssl_csr(tmp_path, *key_command), current)
    assert response.status_code == 400
    assert reason in text_of(response)
    assert "P-256" in text_of(response) and "2048ビット以上" in text_of(response)
    nothing_happened(current)


@pytest.mark.parametrize(
    "key",
    [
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024),
        lambda: ec.generate_private_key(ec.SECP521R1()),
        lambda: ec.generate_private_key(ec.SECP256K1()),
        ed25519.Ed25519PrivateKey.generate,
    ],
    ids=["rsa-1024", "p-521", "secp256k1", "ed25519"],
)
def test_simplereenroll_refuses_other_keys_cryptography_knows(client, current, key):
    private_key = key()
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name.from_rfc4514_string("CN=11110A"))
        .sign(private_key, None if isinstance(private_key, ed25519.Ed25519PrivateKey) else hashes.SHA256())
    )
    response = post(client, REENROLL, est_body(csr), current)
    assert response.status_code == 400
    assert "証明書を発行できません" in text_of(response) or "短すぎます" in text_of(response)
    nothing_happened(current)


@pytest.mark.parametrize(
    "key",
    [
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=3072),
        lambda: ec.generate_private_key(ec.SECP256R1()),
        lambda: ec.generate_private_key(ec.SECP384R1()),
    ],
    ids=["rsa-2048", "rsa-3072", "p-256", "p-384"],
)
def test_simplereenroll_accepts_the_keys_of_the_policy(client, current, key):
    private_key, csr = csr_for("11110A", key())
    response = post(client, REENROLL, est_body(csr), current)
    assert response.status_code == 200, response.content
    [issued] = pkcs7.load_der_pkcs7_certificates(base64.b64decode(response.content))
    assert issued.public_key() == private_key.public_key()


def test_no_path_certifies_a_key_outside_the_policy(terminal):
    """取得 and the demo data sign through the same builder as EST, which applies the policy itself."""
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    with pytest.raises(key_policy.KeyRefused):
        issue_certificate(terminal=terminal, public_key=weak)
    assert not Certificate.objects.filter(terminal=terminal).exists()


def utf8(password: str) -> asn1_x509.DirectoryString:
    return asn1_x509.DirectoryString(name="utf8_string", value=password)


def csr_with_password(key, password: asn1_x509.DirectoryString) -> bytes:
    """A PKCS#10 for 11110A whose challengePassword has the DirectoryString type the caller chose (RFC 2985 allows
    UTF8String, PrintableString, BMPString …; openssl and cryptography make UTF8String or PrintableString only)."""
    public_info = asn1_keys.PublicKeyInfo.load(
        key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    attribute = asn1_csr.CRIAttribute({"type": "challenge_password", "values": [password]})
    info = asn1_csr.CertificationRequestInfo(
        {
            "version": "v1",
            "subject": asn1_x509.Name.build({"common_name": "11110A"}),
            "subject_pk_info": public_info,
            "attributes": [attribute],
        }
    )
    signature = key.sign(info.dump(), ec.ECDSA(hashes.SHA256()))
    request = asn1_csr.CertificationRequest(
        {
            "certification_request_info": info,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature": signature,
        }
    )
    return base64.encodebytes(request.dump())


def key_and_certificate(response):
    message = email.message_from_bytes(f"Content-Type: {response['Content-Type']}\r\n\r\n".encode() + response.content)
    key_part, certificate_part = message.get_payload()
    [issued] = pkcs7.load_der_pkcs7_certificates(certificate_part.get_payload(decode=True))
    return key_part.get_payload(decode=True), issued


@pytest.mark.parametrize(
    "choice, password",
    [
        ("bmp_string", "鍵のパスワード2026"),
        ("utf8_string", "鍵のパスワード2026"),
        ("printable_string", "key pass 2026"),
    ],
)
def test_serverkeygen_encrypts_the_key_under_the_password_as_typed(client, current, tmp_path, choice, password):
    request_key = ca.new_private_key("ec")
    body = csr_with_password(request_key, asn1_x509.DirectoryString(name=choice, value=password))
    response = post(client, KEYGEN, body, current)
    assert response.status_code == 200, response.content
    encrypted, issued = key_and_certificate(response)
    key = serialization.load_der_private_key(encrypted, password=password.encode())
    assert issued.public_key() == key.public_key()
    (tmp_path / "key.der").write_bytes(encrypted)
    opened = subprocess.run(
        ["openssl", "pkcs8", "-inform", "DER", "-in", "key.der", "-passin", "stdin"],
        cwd=tmp_path, capture_output=True, input=password.encode() + b"\n",
    )  # fmt: skip
    assert opened.returncode == 0 and b"BEGIN PRIVATE KEY" in opened.stdout, opened.stderr


@pytest.mark.parametrize(
    "password",
    ["a" * 1024, "鍵" * 400, "a" * 129, "short7!", "tab\tinside-it"],
    ids=["1024-bytes", "1200-bytes-utf8", "129-characters", "7-characters", "control-character"],
)
def test_a_serverkeygen_password_it_cannot_use_is_a_400_before_anything_is_issued(client, current, password):
    body = csr_with_password(ca.new_private_key("ec"), utf8(password))
    response = post(client, KEYGEN, body, current)
    assert response.status_code == 400
    assert "challengePassword" in text_of(response) and "128文字以内" in text_of(response)
    nothing_happened(current)


def test_a_lost_simplereenroll_answer_is_given_again_for_the_same_request_or_key(client, current):
    key, csr = csr_for("11110A")
    first = post(client, REENROLL, est_body(csr), current)
    assert first.status_code == 200
    again = post(client, REENROLL, est_body(csr), current)
    _, resigned = csr_for("11110A", key)  # the same key, the request signed anew
    once_more = post(client, REENROLL, est_body(resigned), current)
    assert again.status_code == once_more.status_code == 200, (again.content, once_more.content)
    assert again.content == first.content == once_more.content
    assert Certificate.objects.filter(terminal=current.terminal).count() == 2


def test_another_key_after_a_renewal_is_still_refused_as_renewed(client, current):
    _, csr = csr_for("11110A")
    assert post(client, REENROLL, est_body(csr), current).status_code == 200
    _, other = csr_for("11110A")
    response = post(client, REENROLL, est_body(other), current)
    assert response.status_code == 403
    assert "更新済み" in text_of(response)


def test_a_lost_serverkeygen_answer_gives_a_new_key_for_the_same_request(client, current):
    body = csr_with_password(ca.new_private_key("ec"), utf8("pass-2026"))
    _, lost = key_and_certificate(post(client, KEYGEN, body, current))
    response = post(client, KEYGEN, body, current)
    assert response.status_code == 200, response.content
    encrypted, issued = key_and_certificate(response)
    assert serialization.load_der_private_key(encrypted, password=b"pass-2026").public_key() == issued.public_key()
    # The certificate of the lost answer, whose key nobody has, is superseded; the new one is the terminal's.
    lost_row = Certificate.objects.get(serial=f"{lost.serial_number:x}")
    assert lost_row.revocation_reason == Certificate.RevocationReason.SUPERSEDED
    assert Certificate.objects.get(terminal=current.terminal, revoked_at__isnull=True).serial == (
        f"{issued.serial_number:x}"
    )
    other = csr_with_password(ca.new_private_key("ec"), utf8("pass-2026"))
    assert post(client, KEYGEN, other, current).status_code == 403


def test_a_request_sent_again_after_its_certificate_was_revoked_is_refused(client, current):
    """Only while the certificate it gave is still the terminal's: a revocation (or renewal) since ends the retry."""
    _, csr = csr_for("11110A")
    first = post(client, REENROLL, est_body(csr), current)
    [issued] = pkcs7.load_der_pkcs7_certificates(base64.b64decode(first.content))
    revocation.revoke_certificate(
        certificate=Certificate.objects.get(serial=f"{issued.serial_number:x}"),
        reason=Certificate.RevocationReason.KEY_COMPROMISE,
    )
    response = post(client, REENROLL, est_body(csr), current)
    assert response.status_code == 403
    assert "更新済み" in text_of(response)


RETRY_ON_ANOTHER_HOST = """
import sys, django
django.setup()
from cryptography import x509
from naccs.pki import est
presented = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
renewed = est.renew(presented=presented, csr_body=open(sys.argv[2], "rb").read(), client_address="192.0.2.9")
print(f"{renewed.x509.serial_number:x}")
"""


@pytest.mark.django_db(transaction=True)
def test_the_retry_reaching_another_host_gets_the_same_certificate(current, test_ca, tmp_path):
    """What decides is in the database: a process that never saw the first request answers the retry."""
    key, csr = csr_for("11110A")
    presented = x509.load_pem_x509_certificate(current.pem.encode())
    first = est.renew(presented=presented, csr_body=est_body(csr), client_address="192.0.2.9")
    (tmp_path / "presented.pem").write_text(current.pem)
    (tmp_path / "request.b64").write_bytes(est_body(csr_for("11110A", key)[1]))  # the same key, signed anew
    env = {**os.environ, "DATABASE_URL": database_url(), "CA_DIR": str(test_ca), "VAR_DIR": str(tmp_path / "var")}
    env["CA_PASSPHRASE"] = settings.CA_PASSPHRASE
    env["DJANGO_SETTINGS_MODULE"] = "naccs.settings"
    other_host = subprocess.run(
        [sys.executable, "-c", RETRY_ON_ANOTHER_HOST, "presented.pem", "request.b64"],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
    )  # fmt: skip
    assert other_host.returncode == 0, other_host.stderr
    assert other_host.stdout.strip() == f"{first.x509.serial_number:x}"
    assert Certificate.objects.filter(terminal=current.terminal).count() == 2
