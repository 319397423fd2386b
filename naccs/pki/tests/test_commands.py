from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from naccs.audit.models import AuditEvent
from naccs.pki import ca, revocation
from naccs.pki.models import CertificateRevocationList


@pytest.fixture
def empty_ca_dir(settings, tmp_path):
    settings.CA_DIR = tmp_path / "ca"
    return settings.CA_DIR


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_ca_create_makes_an_encrypted_key(empty_ca_dir):
    assert "認証局を作成しました。" in run("ca_create", "--key-type", "rsa")
    key_pem = (empty_ca_dir / ca.KEY_FILE).read_text()
    assert "ENCRYPTED PRIVATE KEY" in key_pem
    assert (empty_ca_dir / ca.KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert ca.get_authority().public_key.key_size == 2048


def test_ca_create_refuses_to_overwrite_but_if_missing_is_quiet(empty_ca_dir):
    run("ca_create")
    with pytest.raises(CommandError):
        run("ca_create")
    assert run("ca_create", "--if-missing") == ""


def test_a_wrong_passphrase_is_a_clear_error(empty_ca_dir, settings):
    run("ca_create")
    settings.CA_PASSPHRASE = "wrong"
    with pytest.raises(ca.CAUnavailable, match="cannot be opened with CA_PASSPHRASE"):
        ca.get_authority()


def test_ca_show_describes_the_ca(empty_ca_dir):
    run("ca_create")
    assert "SHA-256" in run("ca_show")


@pytest.mark.django_db
def test_ca_rotate_replaces_the_ca_and_keeps_the_old_files(empty_ca_dir):
    run("ca_create")
    old = ca.get_authority().certificate
    assert "認証局を更新しました" in run("ca_rotate")
    assert ca.get_authority().certificate != old
    assert len(list((empty_ca_dir / "retired").iterdir())) == 1
    assert AuditEvent.objects.filter(action="ca.rotated").exists()


@pytest.mark.django_db
def test_the_crl_is_rebuilt_when_its_next_update_has_passed():
    first = revocation.current_crl()
    assert revocation.current_crl() == first
    CertificateRevocationList.objects.filter(pk=first.pk).update(next_update=timezone.now() - timedelta(minutes=1))
    assert revocation.current_crl().number == first.number + 1
