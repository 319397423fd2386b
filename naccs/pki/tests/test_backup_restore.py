"""Issue 26 #9 with the real tools: the database backed up with `pg_dump` and `CA_DIR` copied; a certificate issued,
another revoked, a CRL published and OCSP answers pre-produced; the backup restored with `pg_restore`. The CA, which
remembers what it published, warns (`manage.py check`), numbers its next CRL above every CRL it published, revokes
again what the restored database forgot, and then answers OCSP for that certificate as revoked.
(The same points with dumpdata/loaddata, quicker and on SQLite too: test_restore.py.)"""

import io
import os
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.x509 import ocsp as x509_ocsp
from django.core.management import call_command
from django.db import connection

from naccs.pki import high_water, ocsp, revocation
from naccs.pki.models import CertificateRevocationList
from naccs.pki.tasks import refresh_revocation_data_task
from naccs.terminals.models import Certificate
from naccs.tests.helpers import uncertified_terminal
from naccs.tests.outage import postgres_bin

from .conftest import certify
from .test_prepared import request_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore need PostgreSQL"),
]


def postgres_tool(tool: str, *arguments: str) -> None:
    """Debian's pg_dump or pg_restore (of the server's version) against the test database."""
    database = connection.settings_dict
    subprocess.run(
        [str(postgres_bin() / tool), "-h", database["HOST"], "-p", str(database["PORT"]), "-U", database["USER"],
         *arguments],
        env={**os.environ, "PGPASSWORD": database["PASSWORD"] or ""},
        check=True,
        capture_output=True,
    )  # fmt: skip


def ocsp_status(certificate: Certificate) -> x509_ocsp.OCSPCertStatus:
    answer = x509_ocsp.load_der_ocsp_response(ocsp.respond(request_for(certificate)).der)
    return answer.certificate_status


def warnings_of_check() -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("check", "--database", "default", stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_a_pg_dump_backup_restored_after_changes_is_caught_and_repaired(company, test_ca, tmp_path, clock):
    revoked_later = certify(uncertified_terminal(company, "11110A"), age_days=10)
    certify(uncertified_terminal(company, "11110B"), age_days=10)
    refresh_revocation_data_task.call()  # the worker: a CRL and the OCSP answers, both remembered in CA_DIR
    crl_in_backup = CertificateRevocationList.objects.first().number

    dump = tmp_path / "naccs.dump"
    postgres_tool("pg_dump", "--format=custom", f"--file={dump}", connection.settings_dict["NAME"])
    shutil.copytree(test_ca, tmp_path / "ca-backup")

    clock.advance(hours=1)  # the day goes on after the backup
    issued_later = certify(uncertified_terminal(company, "11110C"), age_days=0)
    revoked_at = revocation.revoke_certificate(
        certificate=revoked_later, reason=Certificate.RevocationReason.KEY_COMPROMISE
    ).revoked_at
    refresh_revocation_data_task.call()  # a CRL listing it, and answers saying revoked, published
    assert ocsp_status(revoked_later) == x509_ocsp.OCSPCertStatus.REVOKED
    published = high_water.newest_published().number
    assert published > crl_in_backup

    connection.close()  # pg_restore --clean drops and makes again every table: nobody may hold one
    postgres_tool(
        "pg_restore", "--clean", "--if-exists", "--single-transaction", f"--dbname={connection.settings_dict['NAME']}",
        str(dump),
    )  # fmt: skip

    # What the restored database forgot: the certificate issued since, and the revocation (good again: the trap).
    assert not Certificate.objects.filter(pk=issued_later.pk).exists()
    assert Certificate.objects.get(pk=revoked_later.pk).revoked_at is None
    assert CertificateRevocationList.objects.first().number == crl_in_backup
    assert ocsp_status(revoked_later) == x509_ocsp.OCSPCertStatus.GOOD

    # `manage.py check` tells the database is older than the newest CRL and OCSP answer published, and names it.
    warned = warnings_of_check()
    assert "naccs.W002" in warned and f"#{published}" in warned and "newest OCSP answer" in warned
    assert revoked_later.serial in warned

    out = io.StringIO()
    call_command("ca_revoke_after_restore", stdout=out)
    assert revoked_later.serial in out.getvalue()
    again = Certificate.objects.get(pk=revoked_later.pk)
    # The time the published CRL gave (whole seconds, as CRLs say it), not the time of the repair.
    assert again.revoked_at == revoked_at.replace(microsecond=0)
    assert again.revocation_reason == Certificate.RevocationReason.KEY_COMPROMISE
    assert ocsp_status(revoked_later) == x509_ocsp.OCSPCertStatus.REVOKED

    # CRL numbers keep increasing: the next CRL is above every CRL ever published, and lists the certificate.
    crl = revocation.current_crl()
    assert crl.number == published + 1
    signed = x509.load_der_x509_crl(bytes(crl.der))
    assert signed.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == published + 1
    assert int(revoked_later.serial, 16) in {entry.serial_number for entry in signed}
    refresh_revocation_data_task.call()
    assert "naccs.W002" not in warnings_of_check()

    # The CA_DIR copy holds the CA (what a lost CA_DIR is restored from), but not what was published after it:
    # restoring it over a live CA_DIR would forget the marks, so the live one is kept.
    assert high_water.newest_published(tmp_path / "ca-backup").number == crl_in_backup
