"""The whole lifecycle: apply → approve → morning run → 取得 → openssl verify; the old certificate is in the CRL."""

import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import call_command
from django.test import Client

from conftest import PASSWORD
from naccs.applications.models import Application
from naccs.lib.business_days import earliest_desired_date
from naccs.mailer.models import OutboundMail
from naccs.pki import acquisition, ca, issuance, revocation
from naccs.pki.models import CertificatePickup
from naccs.portal.models import NewsItem
from naccs.terminals.models import Certificate, LogicalTerminal
from naccs.tests.helpers import APPLICANT

pytestmark = pytest.mark.django_db


def pem(obj) -> bytes:
    return obj.public_bytes(serialization.Encoding.PEM)


def openssl_verify(tmp_path, certificate_pem: bytes) -> subprocess.CompletedProcess:
    (tmp_path / "leaf.pem").write_bytes(certificate_pem)
    return subprocess.run(
        ["openssl", "verify", "-crl_check", "-CAfile", "ca.pem", "-CRLfile", "crl.pem", "leaf.pem"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )


def test_apply_approve_run_acquire_verify(tmp_path, settings, company, user_client, staff_user, clock):
    clock.stand_still()  # the earliest 希望日 is worked out, then posted
    settings.CA_DIR = tmp_path / "ca"
    ca.create()
    terminal = LogicalTerminal.objects.create(
        company=company,
        name="11110A",
        category="sea",
        device_type="netNACCS",
        auth_code1="NACCS11110",
        auth_code2="OLDCODE2",
        auth_code3="NACCS3",
    )
    old = issuance.issue_certificate(terminal=terminal, public_key=issuance.new_terminal_key().public_key())

    # 申込 through the wizard, as the company user.
    pk = int(user_client.post("/applications/reissue/").url.split("/")[3])
    user_client.post(f"/applications/reissue/{pk}/applicant/", APPLICANT)
    day = earliest_desired_date()
    user_client.post(
        f"/applications/reissue/{pk}/terminals/",
        {"desired_date": day.strftime("%Y%m%d"), "reason": "replaced", "terminals": [terminal.pk]},
    )
    user_client.post(f"/applications/reissue/{pk}/confirm/")
    application = Application.objects.get(pk=pk)
    assert application.status == Application.Status.SUBMITTED

    # 承認 in the back office, by center staff in their own browser session.
    staff_client = Client()
    staff_client.post("/accounts/login/", {"username": staff_user.username, "password": PASSWORD})
    staff_client.post(f"/center/applications/application/{pk}/decide/", {"decision": "approve"})
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED

    # The morning run, by hand; the 希望日 has not come yet (openssl below checks with the real clock).
    call_command("process_reissues", "--date", day.isoformat(), "--before-the-day")
    application.refresh_from_db()
    terminal.refresh_from_db()
    old.refresh_from_db()
    assert application.status == Application.Status.COMPLETED
    # The terminal keeps its working certificate until the new one is acquired (reason: 端末の入れ替え).
    assert old.revoked_at is None and terminal.auth_code2 != "OLDCODE2"
    assert CertificatePickup.objects.filter(terminal=terminal, application=application, acquired_at=None).exists()
    assert OutboundMail.objects.filter(subject__startswith="【NACCS】デジタル証明書の再発行完了").count() == 1
    assert NewsItem.objects.filter(company=company, text__startswith="デジタル証明書を再発行しました").count() == 1

    # 取得 with the new 認証コード2; the old codes no longer work.
    with pytest.raises(acquisition.AcquisitionRefused):
        acquisition.acquire_certificate(
            terminal_name="11110A",
            auth_codes=("NACCS11110", "OLDCODE2", "NACCS3"),
            password="bundle-pass",
            client_address="127.0.0.2",
        )
    acquired = acquisition.acquire_certificate(
        terminal_name="11110A",
        auth_codes=(terminal.auth_code1, terminal.auth_code2, terminal.auth_code3),
        password="bundle-pass",
        client_address="127.0.0.1",
    )
    key, leaf, _ = pkcs12.load_key_and_certificates(acquired.pkcs12, b"bundle-pass")
    assert leaf.public_key().public_numbers() == key.public_key().public_numbers()
    old.refresh_from_db()
    assert old.revocation_reason == Certificate.RevocationReason.SUPERSEDED  # at the 取得 of the new one

    # openssl: the new certificate verifies against the CA and the CRL; the old one is revoked.
    (tmp_path / "ca.pem").write_bytes(pem(ca.get_authority().certificate))
    crl = x509.load_der_x509_crl(bytes(revocation.current_crl().der))
    (tmp_path / "crl.pem").write_bytes(pem(crl))
    new = openssl_verify(tmp_path, pem(leaf))
    assert new.returncode == 0 and "OK" in new.stdout, new.stdout + new.stderr
    revoked = openssl_verify(tmp_path, old.pem.encode())
    assert revoked.returncode != 0 and "certificate revoked" in revoked.stdout + revoked.stderr
    assert crl.get_revoked_certificate_by_serial_number(int(old.serial, 16)) is not None
