"""What EST tests share: a PKCS#10 request and the headers the TLS proxy sends with a verified client certificate."""

import base64
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import AttributeOID, NameOID

from naccs.pki import ca

PROXY_SECRET = "proxy-secret-for-tests"
REENROLL = "/.well-known/est/simplereenroll"
KEYGEN = "/.well-known/est/serverkeygen"


def csr_for(name, key=None, *, challenge_password=None):
    key = key or ca.new_private_key("ec")
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    )
    if challenge_password is not None:
        builder = builder.add_attribute(AttributeOID.CHALLENGE_PASSWORD, challenge_password.encode())
    return key, builder.sign(key, hashes.SHA256())


def est_body(csr) -> bytes:
    """RFC 7030: the PKCS#10 as base64 DER."""
    return base64.encodebytes(csr.public_bytes(serialization.Encoding.DER))


def from_proxy(pem: str | None, *, verify="SUCCESS", secret=PROXY_SECRET, address="127.0.0.1") -> dict:
    """The request as nginx passes it on: the escaped certificate, its verification result, the proxy's secret."""
    headers = {"REMOTE_ADDR": address, "HTTP_X_TLS_PROXY_SECRET": secret, "HTTP_X_SSL_CLIENT_VERIFY": verify}
    if pem:
        headers["HTTP_X_SSL_CLIENT_CERT"] = quote(pem)
    return headers
