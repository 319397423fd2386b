"""The issuing CA: its certificate and its signing key, behind one small interface.

Everything that signs (certificates, CRLs, OCSP responses) asks `get_authority()` for a `CertificateAuthority` and
calls `sign(builder)`. Where the key lives is CA_KEY_BACKEND's choice (`key_backend`): "file", encrypted at rest in
CA_DIR (PKCS#12, CA_PASSPHRASE), or "pkcs11", made and kept in an HSM (naccs.pki.hsm, docs/hsm.md), where
`CertificateAuthority` holds an object with cryptography's private-key interface that signs inside the token.

Why PKCS#12: the key file's safety rests on its KDF. cryptography writes PKCS#8 PEM only with 2048 PBKDF2 rounds,
while its PKCS#12 writer takes the rounds: PBES2, PBKDF2-HMAC-SHA256 with OWASP's 600,000 rounds and AES-256-CBC,
a file that `openssl pkcs12 -info` reads. Its integrity MAC, which the same passphrase keys, is made again with as
many iterations (`naccs.lib.pkcs12_mac`): otherwise a guesser would test passphrases against the MAC's 2048.
Loading it costs ~0.4 s (the MAC, then the key), once per process (`_load` is cached).

CA generations (issue 25, docs/ca-rollover.md): generation 1 lives in CA_DIR itself, generation N in CA_DIR/gN/.
Keys never move. The file ISSUING_FILE in CA_DIR names the folder of the generation that issues now (none: CA_DIR),
so that every host sharing CA_DIR switches at once and `get_authority()` stays a few stat calls and one small read.
TRUSTED_FILE lists the folders of the generations whose terminal certificates nginx accepts, so that
`scripts/serve-tls` writes client-ca.pem and the server certificate from CA_DIR alone, without the database.
`authority_of(generation)` opens any generation's key (its CRL is signed by it for as long as its certificates live).
"""

import datetime
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from naccs.lib import pkcs12_mac

KEY_FILE = "ca-key.p12"
# Keys written before issue 13 #9: PKCS#8 PEM with 2048 PBKDF2 rounds. Still read; `ca_rekey` replaces them.
LEGACY_KEY_FILE = "ca-key.pem"
CERT_FILE = "ca-cert.pem"
KEY_KDF_ROUNDS = 600_000  # OWASP Password Storage Cheat Sheet: PBKDF2-HMAC-SHA256
CA_VALIDITY = datetime.timedelta(days=3650)
ISSUING_FILE = "issuing-generation"  # the folder (relative to CA_DIR) of the issuing generation; absent: CA_DIR
TRUSTED_FILE = "trusted-generations"  # the folders of the generations nginx trusts, oldest first; absent: issuing


class CAUnavailable(ImproperlyConfigured):
    """The CA files or the passphrase are missing or wrong."""


def key_usage(*, key_encipherment=False, signs_certificates=False) -> x509.KeyUsage:
    """A KeyUsage with digital signature, plus what the caller names."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certificates,
        crl_sign=signs_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def new_private_key(key_type: str):
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"unknown key type {key_type!r} (use 'ec' or 'rsa')")


@dataclass(frozen=True)
class CertificateAuthority:
    certificate: x509.Certificate
    # The signer: a key read from a file, or a token key (hsm.TokenECKey, hsm.TokenRSAKey) of the same interface.
    _private_key: object

    def sign(self, builder):
        """Sign an x509 CertificateBuilder, CertificateRevocationListBuilder or OCSPResponseBuilder."""
        return builder.sign(self._private_key, hashes.SHA256())

    def sign_data(self, data: bytes) -> bytes:
        """Sign DER that no builder of `cryptography` makes (an OCSP ResponseData with several responses or an MD5
        or SHA-3 CertID), with SHA-256 as `sign` does; `signature_algorithm` names the algorithm."""
        if isinstance(self._private_key, ec.EllipticCurvePrivateKey):
            return self._private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        return self._private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    @property
    def signature_algorithm(self) -> str:
        """asn1crypto's name for what sign_data makes."""
        return "sha256_ecdsa" if isinstance(self._private_key, ec.EllipticCurvePrivateKey) else "sha256_rsa"

    @property
    def public_key(self):
        return self.certificate.public_key()


def ca_dir() -> Path:
    return Path(settings.CA_DIR)


def passphrase() -> bytes:
    if not settings.CA_PASSPHRASE:
        raise CAUnavailable("CA_PASSPHRASE is not set: the CA key cannot be opened.")
    return settings.CA_PASSPHRASE.encode()


def key_path(directory: Path) -> Path | None:
    """The key file in `directory`: the PKCS#12 one, else a legacy PEM one, else None."""
    for file_name in (KEY_FILE, LEGACY_KEY_FILE):
        if (directory / file_name).exists():
            return directory / file_name
    return None


def issuing_dir() -> Path:
    """The folder of the generation that issues now (ISSUING_FILE, written by `set_issuing`)."""
    try:
        folder = (ca_dir() / ISSUING_FILE).read_text().strip()
    except FileNotFoundError:
        return ca_dir()
    return ca_dir() / folder


def set_issuing(folder: str) -> None:
    """Make the generation in CA_DIR/`folder` the issuing one, for every process reading CA_DIR (atomic rename)."""
    replace_text(ca_dir() / ISSUING_FILE, f"{folder}\n")
    _load.cache_clear()


def trusted_dirs() -> list[Path]:
    """The folders of the generations nginx trusts, oldest first (set_trusted; the issuing one's when never set)."""
    try:
        folders = (ca_dir() / TRUSTED_FILE).read_text().splitlines()
    except FileNotFoundError:
        return [issuing_dir()]
    return [ca_dir() / folder.strip() for folder in folders if folder.strip()]


def set_trusted(folders: list[str]) -> None:
    replace_text(ca_dir() / TRUSTED_FILE, "".join(f"{folder or '.'}\n" for folder in folders))


def replace_text(path: Path, text: str) -> None:
    """Write atomically (a reader sees the old file or the new one, never half of one)."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    os.replace(partial, path)


def exists() -> bool:
    directory = issuing_dir()
    return (directory / CERT_FILE).exists() and backend_for(directory).has_key(directory)


def read_key(path: Path, phrase: bytes):
    try:
        if path.name == LEGACY_KEY_FILE:
            return serialization.load_pem_private_key(path.read_bytes(), password=phrase)
        key, _certificate, _others = pkcs12.load_key_and_certificates(path.read_bytes(), phrase)
        return key
    except (ValueError, TypeError) as error:
        raise CAUnavailable(f"The CA key in {path.parent} cannot be opened with CA_PASSPHRASE: {error}") from None


@cache
def _load(key_file: str, phrase: bytes, mtime: float) -> CertificateAuthority:
    path = Path(key_file)
    certificate = x509.load_pem_x509_certificate((path.parent / CERT_FILE).read_bytes())
    return CertificateAuthority(certificate, read_key(path, phrase))


class FileKeys:
    """The file backend: each CA's key encrypted in its folder (KEY_FILE, CA_PASSPHRASE)."""

    def new_key(self, key_type: str):
        return new_private_key(key_type)

    def store(self, directory: Path, key, certificate: x509.Certificate) -> None:
        write_key(directory, key, certificate)

    def has_key(self, directory: Path) -> bool:
        return key_path(directory) is not None

    def open(self, directory: Path) -> CertificateAuthority:
        path = key_path(directory)
        if path is None:
            raise CAUnavailable(f"No CA in {directory}: run `python manage.py ca_create`.")
        return _load(str(path), passphrase(), path.stat().st_mtime)

    def describe(self, directory: Path) -> str:
        return str(key_path(directory))


def key_backend():
    """Where new CA keys are made (CA_KEY_BACKEND): FileKeys, or the HSM's hsm.TokenKeys."""
    if settings.CA_KEY_BACKEND == "pkcs11":
        from naccs.pki import hsm  # python-pkcs11 and the module are loaded only where an HSM is used

        return hsm.TokenKeys()
    return FileKeys()


def backend_for(directory: Path):
    """Where the key of the CA in `directory` is: its key file when it has one (a CA made before the switch to an
    HSM keeps signing its CRLs), else CA_KEY_BACKEND's."""
    return FileKeys() if key_path(directory) is not None else key_backend()


def get_authority() -> CertificateAuthority:
    """The CA, loaded once per process (and again when its files change, e.g. after a rotation or a rekey)."""
    return authority_in(issuing_dir())  # called on every 取得: a few stat calls and a small read (issue 4)


def authority_in(directory: Path) -> CertificateAuthority:
    if not (directory / CERT_FILE).exists():
        raise CAUnavailable(f"No CA in {directory}: run `python manage.py ca_create`.")
    return backend_for(directory).open(directory)


def authority_of(generation) -> CertificateAuthority:
    """The CA of a generation (a naccs.pki.models.CAGeneration): its CRLs and OCSP responders are signed with it."""
    return authority_in(ca_dir() / generation.folder)


DEMO_COMMON_NAME = "NACCS Support Demo Issuing CA"


def common_name_or_default(common_name: str | None) -> str:
    """The CA's name as asked for; the demo's name only where the demo is enabled (issue 24 #7): a production CA
    is named by whoever runs it, or terminals would trust a "Demo" CA for a year."""
    if common_name:
        return common_name
    if settings.DEMO_ENABLED:
        return DEMO_COMMON_NAME
    raise ValueError(
        '本番環境では --common-name で認証局の名前を指定してください（例: "NACCS Support Issuing CA 2027"）。'
    )


def create(*, key_type: str = "ec", common_name: str = DEMO_COMMON_NAME, folder: str = "") -> CertificateAuthority:
    """Make a new self-signed CA in CA_DIR/`folder`, its key made by CA_KEY_BACKEND (file: encrypted with
    CA_PASSPHRASE; pkcs11: in the token, found again by the certificate's key identifier)."""
    keys = key_backend()
    key = keys.new_key(key_type)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "NACCS Support System"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    public_key = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(key_usage(signs_certificates=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    certificate = builder.sign(key, hashes.SHA256())
    directory = ca_dir() / folder
    directory.mkdir(parents=True, exist_ok=True)
    keys.store(directory, key, certificate)
    (directory / CERT_FILE).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    _load.cache_clear()
    return CertificateAuthority(certificate, key)


def write_key(directory: Path, key, certificate: x509.Certificate) -> None:
    """Write `key` as `directory`/KEY_FILE, encrypted with CA_PASSPHRASE under the strong KDF; mode 0600."""
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(KEY_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(passphrase())
    )
    data = pkcs12.serialize_key_and_certificates(b"NACCS issuing CA", key, certificate, None, encryption)
    # cryptography's MAC has 2048 iterations whatever kdf_rounds says: made again at the KDF's strength.
    data = pkcs12_mac.with_mac(data, settings.CA_PASSPHRASE, KEY_KDF_ROUNDS)
    # Read back before it replaces anything: a file we could not open again would be a lost CA.
    reread, _certificate, _others = pkcs12.load_key_and_certificates(data, passphrase())
    if reread is None or reread.public_key() != key.public_key():
        raise CAUnavailable("The CA key file just written does not open again; nothing was replaced.")
    # Written aside, then renamed: a process reading the key never sees half a file.
    partial = directory / f"{KEY_FILE}.partial"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.replace(partial, directory / KEY_FILE)


def generation_folder_name(number: int) -> str:
    """Where generation `number` keeps its files, relative to CA_DIR: generation 1 in CA_DIR itself (the CA made
    before generations), generation N in CA_DIR/gN."""
    return "" if number == 1 else f"g{number}"


def generation_folders() -> list[tuple[int, Path]]:
    """(number, folder) of each generation found in CA_DIR, in order: read from the files, so that it also tells what
    a database restored from before a rollover does not know."""
    newer = [path for path in ca_dir().glob("g[0-9]*") if path.is_dir() and path.name[1:].isdigit()]
    return [(1, ca_dir()), *sorted((int(path.name[1:]), path) for path in newer)]


def key_folders() -> list[Path]:
    """Every generation's folder (CA_DIR, CA_DIR/gN) and those moved aside by rotations before generations."""
    generations = [folder for _number, folder in generation_folders()]
    return [*generations, *sorted(path for path in (ca_dir() / "retired").glob("*") if path.is_dir())]


def uses_legacy_key(folder: Path) -> bool:
    return (folder / LEGACY_KEY_FILE).exists() and not (folder / KEY_FILE).exists()


def uses_weak_mac(folder: Path) -> bool:
    """A PKCS#12 key written before issue 25 #7: its MAC at cryptography's 2048 iterations, a shortcut for a guesser."""
    path = folder / KEY_FILE
    if not path.exists():
        return False
    iterations = pkcs12_mac.mac_iterations(path.read_bytes())
    return iterations is None or iterations < KEY_KDF_ROUNDS


def needs_rekey(folder: Path) -> bool:
    return uses_legacy_key(folder) or uses_weak_mac(folder)


def rekey() -> list[Path]:
    """Re-encrypt every key weaker than `write_key` makes (the current CA's and the retired ones): legacy PKCS#8 PEM
    (2048 PBKDF2 rounds), and PKCS#12 whose MAC has fewer iterations than its KDF.

    Returns the folders rewritten. Safe to repeat: a folder with a strong key is left as it is.
    """
    rewritten = []
    for folder in key_folders():
        if not needs_rekey(folder):
            continue
        path = key_path(folder)
        certificate = x509.load_pem_x509_certificate((folder / CERT_FILE).read_bytes())
        write_key(folder, read_key(path, passphrase()), certificate)
        if path.name == LEGACY_KEY_FILE:
            path.unlink()
        rewritten.append(folder)
    _load.cache_clear()
    return rewritten
