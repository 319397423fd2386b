"""The certificates that tie one CA generation to the next (RFC 7030 §4.1.3, the "root CA key update" of RFC 4210
§4.4), and what a client is given to trust.

NewWithOld is the new generation's key and name, certified by the old key: a terminal that trusts only the old
generation checks the new generation's certificate with it before adding it to its trust store (RFC 7030 §4.1.3).
OldWithNew is the old key and name certified by the new key, for a client that installed only the new one and still
meets certificates of the old generation. Both live only as long as the old generation's certificate.

Why nginx's server certificate is not chained through NewWithOld: our CA certificates carry pathLenConstraint 0 and
the generations have different names, so NewWithOld is not a self-issued certificate and a path
server → NewWithOld → old root breaks the old root's path length (RFC 5280 §6.1.4 (l), and OpenSSL says so). The
server certificate is issued instead by the OLDEST generation still trusted by terminals (naccs.pki.server_certificate,
from ca.trusted_dirs): every terminal trusts it, since every renewal hands out the whole bundle (`trust_bundle`); it
moves to the next generation when that one retires, by which time every terminal has the next.
"""

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from . import ca


def cross_certificate(*, subject: x509.Certificate, signer: ca.CertificateAuthority, not_after) -> x509.Certificate:
    """`subject`'s name and key certified by `signer` (a CA certificate with the same profile as ca.create's)."""
    now = datetime.datetime.now(datetime.UTC)
    public_key = subject.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject.subject)
        .issuer_name(signer.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(min(not_after, signer.certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(ca.key_usage(signs_certificates=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key), critical=False)
    )
    return signer.sign(builder)


def pair(old: ca.CertificateAuthority, new: ca.CertificateAuthority) -> tuple[x509.Certificate, x509.Certificate]:
    """(NewWithOld, OldWithNew), each valid until the old generation's certificate ends."""
    until = old.certificate.not_valid_after_utc
    return (
        cross_certificate(subject=new.certificate, signer=old, not_after=until),
        cross_certificate(subject=old.certificate, signer=new, not_after=until),
    )


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def load(pem_text: str) -> x509.Certificate | None:
    return x509.load_pem_x509_certificate(pem_text.encode()) if pem_text else None


def trust_bundle(generations) -> list[x509.Certificate]:
    """What a client needs (/pki/ca.pem, EST /cacerts, the PKCS#12 of 取得): the certificate of each generation
    given (newest first, the issuing one leading), then the rollover certificates between two generations given."""
    numbers = {generation.number for generation in generations}
    ordered = sorted(generations, key=lambda generation: (generation.state != "issuing", -generation.number))
    certificates = [load(generation.certificate_pem) for generation in ordered]
    for generation in ordered:
        if generation.number - 1 in numbers:
            certificates += [load(generation.new_with_old_pem), load(generation.old_with_new_pem)]
    return [certificate for certificate in certificates if certificate is not None]
