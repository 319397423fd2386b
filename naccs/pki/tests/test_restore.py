"""Issue 26 #9: the database backed up, changes made (a revocation, newer CRLs), the backup restored: the CA, which
remembers what it published, warns, numbers its next CRL above every CRL it published, and revokes again what the
restored database forgot."""

import io

import pytest
from cryptography import x509
from django.core import checks
from django.core.management import call_command
from django.db import connection

from naccs.pki import high_water, revocation
from naccs.pki.models import CertificateRevocationList
from naccs.terminals.models import Certificate

from .conftest import certify

pytestmark = pytest.mark.django_db(transaction=True)
BACKED_UP = ["pki.certificaterevocationlist", "terminals.certificate"]


def back_up(tables=BACKED_UP) -> str:
    out = io.StringIO()
    call_command("dumpdata", *tables, format="json", stdout=out)
    return out.getvalue()


def restore(dump: str, tmp_path) -> None:
    """What restoring the backup does to these tables: the rows written since it are gone. That is the database's own
    tools at work, not the app's, which deletes no CRL and no certificate: so here raw SQL empties them (and the rows
    that refer to a certificate), then the backup is loaded."""
    referring = [
        relation.related_model._meta.db_table
        for relation in Certificate._meta.get_fields(include_hidden=True)  # also the "+" ones (OCSP answers)
        if relation.auto_created and not relation.concrete
    ]
    tables = [*referring, CertificateRevocationList._meta.db_table, Certificate._meta.db_table]
    with connection.cursor() as cursor:
        for table in dict.fromkeys(tables):  # the referring rows first (sql_flush's cascade has no order on SQLite)
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    (tmp_path / "backup.json").write_text(dump)
    call_command("loaddata", str(tmp_path / "backup.json"), verbosity=0)


@pytest.fixture
def after_a_restore(terminal, tmp_path):
    """A CRL published and backed up; a certificate revoked and two CRLs published since; the backup restored."""
    certificate = certify(terminal, age_days=10)
    backed_up = revocation.rebuild_crl()
    dump = back_up()
    revocation.revoke_certificate(certificate=certificate, reason=Certificate.RevocationReason.KEY_COMPROMISE)
    revocation.rebuild_crl()
    newest = revocation.rebuild_crl()
    restore(dump, tmp_path)
    return {"certificate": certificate, "backed_up": backed_up.number, "published": newest.number}


def test_the_next_crl_after_a_restore_is_numbered_above_every_crl_published(after_a_restore):
    assert CertificateRevocationList.objects.first().number == after_a_restore["backed_up"]
    crl = revocation.current_crl()  # the restored newest CRL is not served again
    assert crl.number == after_a_restore["published"] + 1
    number = x509.load_der_x509_crl(bytes(crl.der)).extensions.get_extension_for_class(x509.CRLNumber).value
    assert number.crl_number == crl.number


def test_a_database_older_than_the_newest_published_crl_is_warned_with_what_it_forgot(after_a_restore):
    warnings = [w for w in checks.run_checks(databases=["default"]) if w.id == "naccs.W002"]
    assert len(warnings) == 1
    assert f"#{after_a_restore['published']}" in warnings[0].msg
    assert after_a_restore["certificate"].serial in warnings[0].msg


def test_the_revocations_the_restored_database_forgot_are_made_again(after_a_restore):
    certificate = Certificate.objects.get(pk=after_a_restore["certificate"].pk)
    assert certificate.revoked_at is None  # good again: the trap
    out = io.StringIO()
    call_command("ca_revoke_after_restore", stdout=out)
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None
    assert certificate.revocation_reason == Certificate.RevocationReason.KEY_COMPROMISE
    assert certificate.serial in out.getvalue()
    listed = {entry.serial_number for entry in x509.load_der_x509_crl(bytes(revocation.current_crl().der))}
    assert int(certificate.serial, 16) in listed
    assert not [w for w in checks.run_checks(databases=["default"]) if w.id == "naccs.W002"]


def test_without_a_restore_there_is_no_warning_and_numbers_go_up_by_one(terminal):
    first = revocation.rebuild_crl()
    assert revocation.rebuild_crl().number == first.number + 1
    assert high_water.newest_published().number == first.number + 1
    assert not [w for w in checks.run_checks(databases=["default"]) if w.id == "naccs.W002"]


def test_a_database_older_than_the_newest_ocsp_answer_published_is_warned_even_without_a_newer_crl(
    company, tmp_path, clock
):
    """The issue: "older than the newest CRL or OCSP answer ever published". After the backup only OCSP answers were
    published (a certificate issued: no CRL changes), so only the answers' mark tells the restored database."""
    from naccs.pki.tasks import refresh_revocation_data_task
    from naccs.tests.helpers import uncertified_terminal

    certify(uncertified_terminal(company, "11110A"), age_days=10)
    refresh_revocation_data_task.call()
    dump = back_up([*BACKED_UP, "pki.preparedocspresponse"])
    crl = CertificateRevocationList.objects.first().number
    clock.advance(hours=1)
    certify(uncertified_terminal(company, "11110B"), age_days=0)
    refresh_revocation_data_task.call()
    assert CertificateRevocationList.objects.first().number == crl  # no CRL since the backup
    assert not [w for w in checks.run_checks(databases=["default"]) if w.id == "naccs.W002"]
    restore(dump, tmp_path)
    [warning] = [w for w in checks.run_checks(databases=["default"]) if w.id == "naccs.W002"]
    assert "newest OCSP answer" in warning.msg and "newest CRL" not in warning.msg
    # The worker would re-sign the restored answers only at half their validity: the repair signs them all again.
    call_command("ca_revoke_after_restore", stdout=io.StringIO())
    assert not [w for w in checks.run_checks(databases=["default"]) if w.id == "naccs.W002"]
