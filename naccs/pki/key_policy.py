"""The one key policy of terminals' certificates: which public keys our CA certifies, whoever made the key.

RSA of 2048 bits or more, or EC on P-256 or P-384: what 取得 makes (TERMINAL_KEY_TYPE) and what terminal software
and TLS libraries everywhere accept. EST applies it to the key a terminal sends, and `issuance.build_certificate`
to every certificate it signs, so no path can certify anything else.
"""

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa

MIN_RSA_BITS = 2048
ACCEPTED_CURVES = {ec.SECP256R1.name: "P-256", ec.SECP384R1.name: "P-384"}
ACCEPTED = f"RSA（{MIN_RSA_BITS}ビット以上）または楕円曲線暗号の P-256・P-384 の鍵"


class KeyRefused(ValueError):
    """A key the policy refuses; the message says why, in Japanese, for the client."""


def check_public_key(public_key) -> None:
    """Refuse a key outside the policy, saying what it is and what is accepted."""
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            raise KeyRefused(f"RSA {public_key.key_size}ビットの鍵は短すぎます。{ACCEPTED}を使用してください。")
        return
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.curve.name not in ACCEPTED_CURVES:
            raise KeyRefused(
                f"楕円曲線 {public_key.curve.name} の鍵には証明書を発行できません。{ACCEPTED}を使用してください。"
            )
        return
    raise KeyRefused(f"この種類の鍵には証明書を発行できません。{ACCEPTED}を使用してください。")


def requested_public_key(csr: x509.CertificateSigningRequest):
    """The public key of a certificate signing request, within the policy. A key `cryptography` cannot even load
    (SM2, secp112r1 and other curves it does not know) is refused the same way, never an error of ours."""
    try:
        public_key = csr.public_key()
    except (UnsupportedAlgorithm, ValueError):
        raise KeyRefused(f"証明書署名要求の鍵の種類には対応していません。{ACCEPTED}を使用してください。") from None
    check_public_key(public_key)
    return public_key
