"""Issue 25 #4: ca_create, ca_show, ca_rotate and ca_rekey with the CA key in an HSM, and the start-up check that
says what is wrong with the module, the token or the PIN."""

import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import CommandError

from naccs.audit.models import AuditEvent
from naccs.pki import ca, checks, hsm

from .conftest import ROOT
from .softhsm import fresh_token
from .test_commands import run


@pytest.fixture
def hsm_ca_dir(settings, tmp_path, token):
    settings.CA_DIR = tmp_path / "ca"
    return settings.CA_DIR


def signs(authority) -> bool:
    data = b"signed by the token"
    authority.certificate.public_key().verify(authority.sign_data(data), data, ec.ECDSA(hashes.SHA256()))
    return True


def test_ca_create_and_ca_show_name_the_token_not_a_file(hsm_ca_dir, token):
    created = run("ca_create", "--key-type", "ec")
    assert "認証局を作成しました。" in created
    assert sorted(path.name for path in hsm_ca_dir.iterdir()) == [ca.CERT_FILE]
    identifier = hsm.key_id(ca.get_authority().certificate).hex()
    for output in (created, run("ca_show")):
        assert f"PKCS#11 token {token.label!r}" in output
        assert f"CKA_ID {identifier}" in output


@pytest.mark.django_db
def test_ca_rotate_leaves_every_generation_s_key_in_the_token(hsm_ca_dir):
    run("ca_create")
    old = ca.get_authority().certificate
    assert "認証局を第2世代に更新しました" in run("ca_rotate")
    assert AuditEvent.objects.filter(action="ca.rotated").exists()
    # Generation 1 stays in CA_DIR, generation 2 in CA_DIR/g2: certificates only, both keys in one token, each found
    # by its certificate.
    assert sorted(path.name for path in (hsm_ca_dir / "g2").iterdir()) == [ca.CERT_FILE]
    assert not [path for path in hsm_ca_dir.rglob("*") if path.name in (ca.KEY_FILE, ca.LEGACY_KEY_FILE)]
    new = ca.get_authority()
    assert hsm.key_id(new.certificate) != hsm.key_id(old)
    previous = ca.backend_for(hsm_ca_dir).open(hsm_ca_dir)
    assert previous.certificate == old
    assert signs(previous) and signs(new)


@pytest.mark.django_db
def test_a_ca_made_before_the_switch_keeps_its_key_file(hsm_ca_dir, settings):
    """The way onto an HSM: a rotation. The old CA still signs (its CRLs) with its file; the new key is in the token."""
    settings.CA_KEY_BACKEND = "file"
    run("ca_create")
    settings.CA_KEY_BACKEND = "pkcs11"
    run("ca_rotate")
    assert (hsm_ca_dir / ca.KEY_FILE).exists()  # generation 1, in CA_DIR
    assert not isinstance(ca.backend_for(hsm_ca_dir).open(hsm_ca_dir)._private_key, hsm.TokenECKey)
    assert isinstance(ca.get_authority()._private_key, hsm.TokenECKey)
    assert not (hsm_ca_dir / "g2" / ca.KEY_FILE).exists()


def test_ca_create_never_replaces_a_ca_whose_key_is_in_another_token(hsm_ca_dir, settings):
    run("ca_create")
    certificate = (hsm_ca_dir / ca.CERT_FILE).read_bytes()
    other = fresh_token()  # the wrong PKCS11_TOKEN_LABEL: a token without this CA's key
    settings.PKCS11_TOKEN_LABEL, settings.PKCS11_PIN = other.label, other.pin
    for arguments in (["--if-missing"], []):
        with pytest.raises(CommandError, match="has a CA certificate but its key is not found"):
            run("ca_create", *arguments)
    assert (hsm_ca_dir / ca.CERT_FILE).read_bytes() == certificate


def test_ca_rekey_has_nothing_to_do_and_says_so(hsm_ca_dir):
    run("ca_create")
    assert "HSM（PKCS#11トークン）の中にあり" in run("ca_rekey")
    assert sorted(path.name for path in hsm_ca_dir.iterdir()) == [ca.CERT_FILE]


def errors(settings, **changed) -> str:
    for name, value in changed.items():
        setattr(settings, name, value)
    hsm.forget()  # the check opens the token anew, as a process that starts does
    return " ".join(error.msg for error in checks.ca_key_token_is_usable(None))


def test_the_start_up_check_says_what_is_wrong(hsm_ca_dir, settings, token, tmp_path):
    run("ca_create")
    assert errors(settings) == ""
    assert "PKCS11_MODULE /nonexistent/libhsm.so cannot be loaded" in errors(
        settings, PKCS11_MODULE="/nonexistent/libhsm.so"
    )
    assert "No token labelled 'elsewhere'" in errors(settings, PKCS11_MODULE=token.settings()["PKCS11_MODULE"],
                                                     PKCS11_TOKEN_LABEL="elsewhere")  # fmt: skip
    assert "PKCS11_PIN is wrong" in errors(settings, PKCS11_TOKEN_LABEL=token.label, PKCS11_PIN="0000")
    assert "PKCS11_PIN is not set" in errors(settings, PKCS11_PIN="")
    # The right PIN of another token, which does not hold this CA's key.
    other = fresh_token()
    assert "No CA key with CKA_ID" in errors(settings, PKCS11_TOKEN_LABEL=other.label, PKCS11_PIN=other.pin)
    # The revocation responder is given no PIN and never opens the token.
    settings.REVOCATION_RESPONDER = True
    assert errors(settings, PKCS11_PIN="") == ""


def test_the_file_backend_is_not_checked(hsm_ca_dir, settings):
    settings.CA_KEY_BACKEND = "file"
    assert errors(settings, PKCS11_MODULE="/nonexistent/libhsm.so") == ""


def manage_py_check(tmp_path, **variables) -> subprocess.CompletedProcess:
    """`manage.py check` with production settings (DJANGO_DEBUG=0), as a host starts."""
    env = {key: value for key, value in os.environ.items() if key not in {"CA_PASSPHRASE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env |= {"DJANGO_DEBUG": "0", "SECRET_KEY": "k" * 60, "VAR_DIR": str(tmp_path), "CA_DIR": str(tmp_path / "ca")}
    command = [sys.executable, "manage.py", "check"]
    return subprocess.run(command, cwd=ROOT, env=env | variables, capture_output=True, text=True)


def test_in_production_an_hsm_needs_no_ca_passphrase_and_a_wrong_pin_stops_the_start(tmp_path, token):
    assert manage_py_check(tmp_path).returncode == 0  # the token's settings are in the environment (the fixture)
    refused = manage_py_check(tmp_path, PKCS11_PIN="0000")
    assert refused.returncode != 0 and "naccs.E001" in refused.stderr and "PKCS11_PIN is wrong" in refused.stderr
    unknown = manage_py_check(tmp_path, CA_KEY_BACKEND="hsm")
    assert unknown.returncode != 0 and "CA_KEY_BACKEND must be file or pkcs11" in unknown.stderr
