import re
import subprocess
from datetime import timedelta
from io import StringIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import CommandError, call_command

from naccs.audit.models import AuditEvent
from naccs.lib import pkcs12_mac
from naccs.pki import ca, checks, revocation


@pytest.fixture
def empty_ca_dir(settings, tmp_path):
    settings.CA_DIR = tmp_path / "ca"
    return settings.CA_DIR


def move_aside(directory):
    """What `ca_rotate` did before CA generations: the CA's files moved to CA_DIR/retired/<stamp>."""
    target = directory / "retired" / "20260101T000000"
    target.mkdir(parents=True)
    for file_name in (ca.KEY_FILE, ca.LEGACY_KEY_FILE, ca.CERT_FILE):
        if (directory / file_name).exists():
            (directory / file_name).rename(target / file_name)
    ca._load.cache_clear()
    return target


@pytest.fixture
def file_keys(settings):
    """Tests of the key file itself: the file backend even where the run's CA is in an HSM (make pytest-pki-hsm)."""
    settings.CA_KEY_BACKEND = "file"


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def key_encryption_seen_by_openssl(key_file, passphrase) -> str:
    """What OpenSSL reports about how the key file is encrypted."""
    result = subprocess.run(
        ["openssl", "pkcs12", "-info", "-noout", "-in", str(key_file), "-passin", f"pass:{passphrase}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout + result.stderr


@pytest.mark.usefixtures("file_keys")
def test_ca_create_makes_a_key_encrypted_under_a_strong_kdf(empty_ca_dir, settings):
    assert "認証局を作成しました。" in run("ca_create", "--key-type", "rsa")
    key_file = empty_ca_dir / ca.KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    # Issue 13 #9: PBKDF2 with at least 600,000 iterations (OWASP), not the 2048 of PKCS#8 PEM.
    seen = key_encryption_seen_by_openssl(key_file, settings.CA_PASSPHRASE)
    assert "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC" in seen
    iterations = int(re.search(r"Shrouded Keybag: .*Iteration (\d+)", seen).group(1))
    assert iterations >= 600_000
    assert ca.get_authority().public_key.key_size == 2048


@pytest.mark.usefixtures("file_keys")
@pytest.mark.parametrize(
    "passphrase", ["a-long-ascii-ca-passphrase", "認証局の長いパスフレーズ２０２６年"], ids=["ascii", "japanese"]
)
def test_ca_create_makes_a_key_whose_mac_is_as_strong_as_its_kdf(empty_ca_dir, settings, passphrase):
    """Issue 25 #7: the PKCS#12 MAC is keyed by the passphrase too; at 2048 iterations a guesser would test
    passphrases against it instead of against the key's 600,000 PBKDF2 rounds."""
    settings.CA_PASSPHRASE = passphrase
    run("ca_create")
    key_file = empty_ca_dir / ca.KEY_FILE
    seen = key_encryption_seen_by_openssl(key_file, passphrase)  # check=True: OpenSSL verified the MAC
    mac = re.search(r"MAC: (\S+), Iteration (\d+)", seen)
    assert mac.group(1) == "sha256"
    assert int(mac.group(2)) >= 600_000
    assert pkcs12_mac.mac_iterations(key_file.read_bytes()) >= 600_000
    wrong = subprocess.run(
        ["openssl", "pkcs12", "-info", "-noout", "-in", str(key_file), "-passin", "pass:not-the-passphrase"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert wrong.returncode != 0 and "Mac verify error" in wrong.stdout + wrong.stderr
    ca._load.cache_clear()
    assert ca.get_authority().certificate.public_key() == ca.read_key(key_file, ca.passphrase()).public_key()
    assert checks.ca_key_uses_the_strong_kdf(None) == []


def write_weak_mac_ca(directory):
    """A CA as written between issue 13 #9 and issue 25 #7: the key under 600,000 PBKDF2 rounds, cryptography's MAC
    at 2048 iterations."""
    authority = ca.create()
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(ca.KEY_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(ca.passphrase())
    )
    (directory / ca.KEY_FILE).write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"NACCS issuing CA", authority._private_key, authority.certificate, None, encryption
        )
    )
    ca._load.cache_clear()
    return authority


@pytest.mark.usefixtures("file_keys")
@pytest.mark.django_db
def test_ca_rekey_gives_an_existing_key_a_mac_as_strong_as_its_kdf(empty_ca_dir, settings):
    retired_authority = write_weak_mac_ca(empty_ca_dir)
    retired = move_aside(empty_ca_dir)
    current = write_weak_mac_ca(empty_ca_dir)
    assert "Iteration 2048" in key_encryption_seen_by_openssl(empty_ca_dir / ca.KEY_FILE, settings.CA_PASSPHRASE)
    assert [warning.id for warning in checks.ca_key_uses_the_strong_kdf(None)] == ["naccs.W001"]

    output = run("ca_rekey")

    assert str(empty_ca_dir) in output and str(retired) in output
    for folder, authority in ((empty_ca_dir, current), (retired, retired_authority)):
        seen = key_encryption_seen_by_openssl(folder / ca.KEY_FILE, settings.CA_PASSPHRASE)
        assert int(re.search(r"MAC: sha256, Iteration (\d+)", seen).group(1)) >= 600_000
        assert ca.read_key(folder / ca.KEY_FILE, ca.passphrase()).public_key() == authority.certificate.public_key()
    assert ca.get_authority().certificate == current.certificate
    assert checks.ca_key_uses_the_strong_kdf(None) == []
    assert "再暗号化が必要な認証局の鍵はありません" in run("ca_rekey")


def write_legacy_ca(directory):
    """A CA as written before issue 13 #9: PKCS#8 PEM under cryptography's default 2048 PBKDF2 rounds."""
    authority = ca.create()
    (directory / ca.KEY_FILE).unlink()
    pem = authority._private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(ca.passphrase()),
    )
    (directory / ca.LEGACY_KEY_FILE).write_bytes(pem)
    ca._load.cache_clear()
    return authority


@pytest.mark.usefixtures("file_keys")
@pytest.mark.django_db
def test_ca_rekey_moves_current_and_retired_legacy_keys_to_the_strong_kdf(empty_ca_dir, settings):
    retired_authority = write_legacy_ca(empty_ca_dir)
    retired = move_aside(empty_ca_dir)
    current = write_legacy_ca(empty_ca_dir)
    # A legacy key still opens (nothing stops on upgrade), and the deploy check says what to do.
    assert ca.get_authority().certificate == current.certificate
    assert [warning.id for warning in checks.ca_key_uses_the_strong_kdf(None)] == ["naccs.W001"]

    output = run("ca_rekey")

    assert str(empty_ca_dir) in output and str(retired) in output
    for folder, authority in ((empty_ca_dir, current), (retired, retired_authority)):
        assert not (folder / ca.LEGACY_KEY_FILE).exists()
        seen = key_encryption_seen_by_openssl(folder / ca.KEY_FILE, settings.CA_PASSPHRASE)
        assert int(re.search(r"Shrouded Keybag: .*Iteration (\d+)", seen).group(1)) >= 600_000
        key = ca.read_key(folder / ca.KEY_FILE, ca.passphrase())
        assert key.public_key() == authority.certificate.public_key()
    assert ca.get_authority().certificate == current.certificate
    assert checks.ca_key_uses_the_strong_kdf(None) == []
    assert AuditEvent.objects.filter(action="ca.rekeyed").count() == 1
    assert "再暗号化が必要な認証局の鍵はありません" in run("ca_rekey")
    # The rekeyed CA rotates as any other.
    run("ca_rotate")
    assert (empty_ca_dir / "g2" / ca.KEY_FILE).exists()


def test_ca_create_refuses_to_overwrite_but_if_missing_is_quiet(empty_ca_dir):
    run("ca_create")
    with pytest.raises(CommandError):
        run("ca_create")
    assert run("ca_create", "--if-missing") == ""


@pytest.mark.usefixtures("file_keys")
def test_a_wrong_passphrase_is_a_clear_error(empty_ca_dir, settings):
    run("ca_create")
    settings.CA_PASSPHRASE = "wrong"
    with pytest.raises(ca.CAUnavailable, match="cannot be opened with CA_PASSPHRASE"):
        ca.get_authority()


def test_ca_show_describes_the_ca(empty_ca_dir):
    run("ca_create")
    assert "SHA-256" in run("ca_show")


@pytest.mark.django_db
def test_ca_rotate_starts_a_new_generation_and_keeps_the_old_one_in_place(empty_ca_dir):
    run("ca_create")
    old = ca.get_authority().certificate
    assert "認証局を第2世代に更新しました" in run("ca_rotate")
    assert ca.get_authority().certificate != old
    assert ca.get_authority().certificate.subject.rfc4514_string().startswith(f"CN={ca.DEMO_COMMON_NAME} G2,")
    assert x509.load_pem_x509_certificate((empty_ca_dir / ca.CERT_FILE).read_bytes()) == old  # never moved
    assert AuditEvent.objects.filter(action="ca.rotated").exists()


@pytest.mark.django_db
def test_the_crl_is_rebuilt_when_its_next_update_has_passed():
    first = revocation.current_crl()
    assert revocation.current_crl() == first
    assert revocation.current_crl(now=first.next_update + timedelta(minutes=1)).number == first.number + 1


@pytest.mark.django_db
def test_in_production_the_ca_is_named_by_whoever_creates_it(empty_ca_dir, settings):
    settings.DEMO_ENABLED = False
    with pytest.raises(CommandError, match="--common-name"):
        run("ca_create")
    assert not ca.exists()
    run("ca_create", "--common-name", "NACCS Support Issuing CA 2027")
    assert "NACCS Support Issuing CA 2027" in ca.get_authority().certificate.subject.rfc4514_string()
    run("ca_rotate")  # the new generation keeps the name, with its number
    assert "CN=NACCS Support Issuing CA 2027 G2," in ca.get_authority().certificate.subject.rfc4514_string()
    run("ca_rotate", "--common-name", "NACCS Support Issuing CA 2028")
    assert "CN=NACCS Support Issuing CA 2028 G3," in ca.get_authority().certificate.subject.rfc4514_string()
