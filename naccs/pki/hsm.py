"""CA keys in a PKCS#11 token (an HSM; SoftHSM 2 in the tests): made inside it, never extractable, never in a file.

cryptography's builders sign with any object that implements its private-key interface (`ec.EllipticCurvePrivateKey`,
`rsa.RSAPrivateKey`): they call its `sign` with the bytes to be signed, which is how pyca's maintainers answer "a key
in an HSM or a KMS". `TokenECKey` and `TokenRSAKey` implement that interface by asking the token to sign; every member
that would reveal the key refuses. So `ca.CertificateAuthority` signs certificates, CRLs, OCSP responses and
`sign_data` the same way whether its key came from a file or from here.

A CA's key is found by its certificate: CKA_ID is the certificate's SubjectKeyIdentifier (SHA-1 of its public key,
set when the key is made), so every CA generation can live in one token and CA_DIR keeps certificates only.
Settings: CA_KEY_BACKEND=pkcs11, PKCS11_MODULE, PKCS11_TOKEN_LABEL, PKCS11_PIN (docs/hsm.md).
"""

import contextlib
import datetime
import os
import threading
from functools import cache
from pathlib import Path

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.hazmat.primitives.serialization import load_der_public_key
from django.conf import settings
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
from pkcs11.exceptions import NoSuchKey, NoSuchToken, PinIncorrect, PinLocked, PKCS11Error, UserAlreadyLoggedIn
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

from . import ca

# A CA key signs and does nothing else; it can never be read out, wrapped or copied, not even by the token's SO.
PRIVATE_TEMPLATE = {
    Attribute.TOKEN: True,
    Attribute.PRIVATE: True,
    Attribute.SENSITIVE: True,
    Attribute.EXTRACTABLE: False,
}
CAPABILITIES = MechanismFlag.SIGN | MechanismFlag.VERIFY

_lock = threading.Lock()
_sessions: dict[tuple, pkcs11.Session] = {}
_initialized_in: dict[str, int] = {}  # module → the process that initialised it


class TokenUnavailable(ca.CAUnavailable):
    """The PKCS#11 module, the token, the PIN or the CA's key in it is wrong or missing."""


def _open(module: str, label: str, pin: str) -> pkcs11.Session:
    if not module:
        raise TokenUnavailable("PKCS11_MODULE is not set: the path of the HSM's PKCS#11 library (docs/hsm.md).")
    if not pin:
        raise TokenUnavailable(f"PKCS11_PIN is not set: the CA key in token {label!r} cannot be used.")
    try:
        library = pkcs11.lib(module)
        if _initialized_in.setdefault(module, os.getpid()) != os.getpid():
            # A forked child must not use its parent's PKCS#11 state (PKCS#11 v2.40 §6.6.1).
            library.reinitialize()
            _initialized_in[module] = os.getpid()
    except PKCS11Error as error:
        raise TokenUnavailable(f"PKCS11_MODULE {module} cannot be loaded: {error}") from None
    try:
        token = library.get_token(token_label=label)
    except NoSuchToken:
        labels = ", ".join(repr(token.label) for token in library.get_tokens()) or "none"
        raise TokenUnavailable(
            f"No token labelled {label!r} (PKCS11_TOKEN_LABEL) in {module}; its tokens: {labels}."
        ) from None
    try:
        return token.open(user_pin=pin, rw=True)
    except UserAlreadyLoggedIn:  # another session of this process logged in: the login is per token
        return token.open(rw=True)
    except PinLocked:
        raise TokenUnavailable(f"The user PIN of token {label!r} is locked: its SO must unlock it.") from None
    except PinIncorrect:
        raise TokenUnavailable(f"PKCS11_PIN is wrong for token {label!r} (the token locks after a few).") from None
    except PKCS11Error as error:
        raise TokenUnavailable(f"Token {label!r} cannot be opened: {type(error).__name__} {error}") from None


def session() -> pkcs11.Session:
    """This process's logged-in session with the token (one per process: the login is the token's, not a session's)."""
    module, label = settings.PKCS11_MODULE, settings.PKCS11_TOKEN_LABEL
    key = (os.getpid(), module, label)
    with _lock:
        if key not in _sessions:
            _sessions[key] = _open(module, label, settings.PKCS11_PIN)
        return _sessions[key]


def forget() -> None:
    """Open the token again at the next use (after an HSM restart, or when the settings changed)."""
    with _lock:
        for (pid, _module, _label), opened in _sessions.items():
            if pid == os.getpid():  # a forked child leaves its parent's sessions alone
                with contextlib.suppress(PKCS11Error):  # already gone with the HSM
                    opened.close()  # the token's login ends with its last session: the next open logs in again
        _sessions.clear()
    _authority.cache_clear()


def _private_key(key_id: bytes) -> pkcs11.PrivateKey:
    try:
        return session().get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id)
    except NoSuchKey:
        raise TokenUnavailable(
            f"No CA key with CKA_ID {key_id.hex()} in token {settings.PKCS11_TOKEN_LABEL!r}: is this the token "
            "that `ca_create` or `ca_rotate` made the key in?"
        ) from None


def _sign(key_id: bytes, data: bytes, mechanism: Mechanism) -> bytes:
    try:
        return _private_key(key_id).sign(data, mechanism=mechanism)
    except TokenUnavailable:
        raise
    except PKCS11Error:
        # The session may be gone (the HSM restarted, a network HSM reconnected): once more with a new one.
        forget()
        return _private_key(key_id).sign(data, mechanism=mechanism)


class _Refusing:
    """What a token key refuses: anything that would bring the key, or a use other than signing, out of the token."""

    def private_bytes(self, *args, **kwargs):
        raise TypeError("The CA key is in the HSM and cannot be exported.")

    def private_numbers(self):
        raise TypeError("The CA key is in the HSM and cannot be exported.")

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


class TokenECKey(_Refusing, ec.EllipticCurvePrivateKey):
    """A P-256 CA key in the token, as cryptography's interface: ECDSA over the digest (CKM_ECDSA), DER-encoded."""

    def __init__(self, key_id: bytes, public_key: ec.EllipticCurvePublicKey):
        self.key_id = key_id
        self._public_key = public_key

    def sign(self, data, signature_algorithm) -> bytes:
        if not isinstance(signature_algorithm, ec.ECDSA):
            raise ValueError("A CA key in the HSM signs with ECDSA only.")
        algorithm = signature_algorithm.algorithm
        if isinstance(algorithm, utils.Prehashed):
            digest = bytes(data)
        else:
            hasher = hashes.Hash(algorithm)
            hasher.update(data)
            digest = hasher.finalize()
        raw = _sign(self.key_id, digest, Mechanism.ECDSA)  # r || s, each as long as the curve's order
        half = len(raw) // 2
        return utils.encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public_key

    @property
    def curve(self) -> ec.EllipticCurve:
        return self._public_key.curve

    @property
    def key_size(self) -> int:
        return self._public_key.key_size

    def exchange(self, algorithm, peer_public_key) -> bytes:
        raise TypeError("A CA key in the HSM only signs.")


class TokenRSAKey(_Refusing, rsa.RSAPrivateKey):
    """An RSA CA key in the token: PKCS#1 v1.5 with SHA-256 (CKM_SHA256_RSA_PKCS), what `ca` signs with."""

    def __init__(self, key_id: bytes, public_key: rsa.RSAPublicKey):
        self.key_id = key_id
        self._public_key = public_key

    def sign(self, data, padding_scheme, algorithm) -> bytes:
        if not isinstance(padding_scheme, padding.PKCS1v15) or not isinstance(algorithm, hashes.SHA256):
            raise ValueError("A CA key in the HSM signs with PKCS#1 v1.5 and SHA-256 only.")
        return _sign(self.key_id, bytes(data), Mechanism.SHA256_RSA_PKCS)

    def public_key(self) -> rsa.RSAPublicKey:
        return self._public_key

    @property
    def key_size(self) -> int:
        return self._public_key.key_size

    def decrypt(self, ciphertext, padding_scheme) -> bytes:
        raise TypeError("A CA key in the HSM only signs.")


def token_key(key_id: bytes, public_key):
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return TokenECKey(key_id, public_key)
    return TokenRSAKey(key_id, public_key)


def key_id(certificate: x509.Certificate) -> bytes:
    """The CKA_ID of a CA's key: its certificate's SubjectKeyIdentifier."""
    try:
        return certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return x509.SubjectKeyIdentifier.from_public_key(certificate.public_key()).digest


def _public_key_of(public: pkcs11.PublicKey):
    if public.key_type == KeyType.EC:
        return load_der_public_key(encode_ec_public_key(public))
    modulus, exponent = public[Attribute.MODULUS], public[Attribute.PUBLIC_EXPONENT]
    return rsa.RSAPublicNumbers(int.from_bytes(exponent, "big"), int.from_bytes(modulus, "big")).public_key()


def generate(key_type: str):
    """A new CA key pair made inside the token (non-extractable, sensitive), CKA_ID = its key identifier."""
    label = f"NACCS CA {datetime.datetime.now(datetime.UTC):%Y%m%dT%H%M%SZ}"
    options = {"store": True, "label": label, "capabilities": CAPABILITIES, "private_template": PRIVATE_TEMPLATE}
    token = session()
    if key_type == "ec":
        curve = {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}
        public, private = token.create_domain_parameters(KeyType.EC, curve, local=True).generate_keypair(**options)
    elif key_type == "rsa":
        public, private = token.generate_keypair(KeyType.RSA, 2048, **options)
    else:
        raise ValueError(f"unknown key type {key_type!r} (use 'ec' or 'rsa')")
    public_key = _public_key_of(public)
    identifier = x509.SubjectKeyIdentifier.from_public_key(public_key).digest
    public[Attribute.ID] = identifier
    private[Attribute.ID] = identifier
    return token_key(identifier, public_key)


@cache
def _authority(pid: int, certificate_file: str, mtime: float) -> ca.CertificateAuthority:
    certificate = x509.load_pem_x509_certificate(Path(certificate_file).read_bytes())
    identifier = key_id(certificate)
    _private_key(identifier)  # there now, or say so at once rather than at the first signature
    return ca.CertificateAuthority(certificate, token_key(identifier, certificate.public_key()))


class TokenKeys:
    """The PKCS#11 backend of `ca`: keys made and kept in the token; a CA folder holds its certificate only."""

    def new_key(self, key_type: str):
        return generate(key_type)

    def store(self, directory: Path, key, certificate: x509.Certificate) -> None:
        """Nothing to write: the key is in the token under the certificate's key identifier since `generate`."""

    def has_key(self, directory: Path) -> bool:
        certificate = x509.load_pem_x509_certificate((directory / ca.CERT_FILE).read_bytes())
        try:
            session().get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id(certificate))
        except NoSuchKey:
            return False
        return True

    def open(self, directory: Path) -> ca.CertificateAuthority:
        path = directory / ca.CERT_FILE
        return _authority(os.getpid(), str(path), path.stat().st_mtime)

    def describe(self, directory: Path) -> str:
        certificate = x509.load_pem_x509_certificate((directory / ca.CERT_FILE).read_bytes())
        return (
            f"PKCS#11 token {settings.PKCS11_TOKEN_LABEL!r} ({settings.PKCS11_MODULE}), "
            f"CKA_ID {key_id(certificate).hex()}"
        )
