"""The TLS server certificate of the proxy in front of the portal (nginx, deploy/nginx/), issued by our CA.

`make serve` and the tests make it on first start (`manage.py tls_server_certificate`), and again when the CA has
changed or it nears its end, so that terminals that trust our CA (cacerts) trust the portal's HTTPS too.

With several CA generations (naccs.pki.generations), nginx accepts client certificates of every trusted generation
(client-ca.pem lists each), and its own certificate comes from the oldest trusted generation, which terminals of
every generation trust (naccs.pki.rollover says why not a cross-certificate chain). Both are read from CA_DIR
(ca.trusted_dirs), so that nginx starts without the database.
"""

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from . import ca

SERVER_CERT = "server-cert.pem"
SERVER_KEY = "server-key.pem"
CLIENT_CA = "client-ca.pem"  # the CA nginx verifies terminals' certificates against
SERVER_VALIDITY = datetime.timedelta(days=397)  # the CA/Browser Forum's ceiling for a TLS server certificate
RENEW_BEFORE = datetime.timedelta(days=30)


def subject_alternative_names(hosts: list[str]) -> x509.SubjectAlternativeName:
    names = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def is_current(path: Path, authority, now) -> bool:
    """The certificate at `path` was issued by today's CA and is not near its end."""
    try:
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
        certificate.verify_directly_issued_by(authority.certificate)
    except (OSError, ValueError, TypeError, InvalidSignature):  # missing, unreadable or another CA's
        return False
    return certificate.not_valid_after_utc - RENEW_BEFORE > now


def ensure_server_certificate(directory: Path, hosts: list[str]) -> bool:
    """Write the proxy's key, certificate and client CA into `directory`; returns True when a new one was made."""
    trusted = ca.trusted_dirs()
    authority = ca.authority_in(trusted[0])  # the oldest
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    (directory / CLIENT_CA).write_bytes(b"".join((folder / ca.CERT_FILE).read_bytes() for folder in trusted))
    now = datetime.datetime.now(datetime.UTC)
    if is_current(directory / SERVER_CERT, authority, now):
        return False
    key = ca.new_private_key("ec")
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + SERVER_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(ca.key_usage(), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(subject_alternative_names(hosts), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.public_key), critical=False)
    )
    certificate = authority.sign(builder)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (directory / SERVER_KEY).write_bytes(key_pem)  # 0600 (umask 077): nginx's master process reads it as its owner
    (directory / SERVER_CERT).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return True
