"""The morning run and the daily task against the real CA (naccs.pki): exactly once, pickups closed on time."""

from datetime import timedelta

import pytest
from django.utils import timezone

from naccs.applications import lifecycle
from naccs.applications.models import Application
from naccs.audit.models import AuditEvent
from naccs.center import morning_run, reminders
from naccs.mailer.models import OutboundMail
from naccs.pki import ca
from naccs.pki.models import CertificatePickup, CertificateRevocationList
from naccs.pki.pickups import close_stale_pickups
from naccs.portal.models import NewsItem
from naccs.terminals.models import Certificate

from .test_morning_run import COMPLETED_NEWS, WorkerKilled, kill_after

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_ca(settings, tmp_path):
    settings.CA_DIR = tmp_path / "ca"
    ca.create()


def test_killed_run_with_the_real_ca_revokes_once_and_builds_one_crl_per_run(
    real_ca, make_application, staff_user, run_day, monkeypatch
):
    applications = [make_application(count=2) for _ in range(2)]
    for application in applications:
        lifecycle.approve(application=application, actor=staff_user)
    with monkeypatch.context() as patch:
        kill_after(patch, 3)
        with pytest.raises(WorkerKilled):
            morning_run.process_day(day=run_day)
    assert not CertificateRevocationList.objects.exists()
    morning_run.process_day(day=run_day)
    morning_run.process_day(day=run_day)

    assert AuditEvent.objects.filter(action="reissue.terminal_processed").count() == 4
    assert CertificatePickup.objects.count() == 4
    assert CertificateRevocationList.objects.count() == 1
    assert NewsItem.objects.filter(text__startswith=COMPLETED_NEWS).count() == 2
    assert OutboundMail.objects.filter(subject__startswith="【NACCS】デジタル証明書の再発行完了").count() == 2
    assert set(Application.objects.values_list("status", flat=True)) == {"completed"}


def test_a_pickup_not_acquired_by_its_deadline_is_closed_once_with_notice(
    real_ca, make_application, staff_user, run_day, user
):
    application = make_application(count=1)
    lifecycle.approve(application=application, actor=staff_user)
    morning_run.process_day(day=run_day)
    pickup = CertificatePickup.objects.get()
    old = Certificate.objects.get(terminal=pickup.terminal)
    assert close_stale_pickups() == 0
    assert Certificate.objects.get(pk=old.pk).revoked_at is None  # still working while the pickup is open

    later = pickup.expires_at + timedelta(minutes=1)
    assert reminders.daily_reminders(now=later)["closed"] == 1
    pickup.refresh_from_db()
    assert pickup.closed_at == later
    assert NewsItem.objects.filter(company=application.company, text__contains="取得を締め切り").count() == 1
    old.refresh_from_db()
    assert old.revocation_reason == Certificate.RevocationReason.SUPERSEDED  # the reissue lapsed: it ends with it
    assert OutboundMail.objects.filter(to=user.email, subject__contains="取得期間終了").count() == 1
    assert AuditEvent.objects.filter(action="pickup.closed").count() == 1
    assert close_stale_pickups(now=later + timedelta(days=1)) == 0


def test_an_acquired_pickup_is_never_closed(real_ca, make_application, staff_user, run_day):
    application = make_application(count=1)
    lifecycle.approve(application=application, actor=staff_user)
    morning_run.process_day(day=run_day)
    CertificatePickup.objects.update(acquired_at=timezone.now())
    assert close_stale_pickups(now=timezone.now() + timedelta(days=90)) == 0


@pytest.mark.django_db(transaction=True)
def test_closing_a_pickup_does_not_wait_for_a_terminal_locked_by_an_acquisition(
    real_ca, make_application, staff_user, run_day
):
    """取得 locks the terminal, then its pickup; the closing must not lock the terminal too (a deadlock)."""
    import threading

    from django.db import connection, transaction

    from naccs.terminals.models import LogicalTerminal

    if not connection.features.has_select_for_update:
        pytest.skip("row locks: PostgreSQL only")
    application = make_application(count=1)
    lifecycle.approve(application=application, actor=staff_user)
    morning_run.process_day(day=run_day)
    pickup = CertificatePickup.objects.get()
    holding, release = threading.Event(), threading.Event()

    def hold_terminal_row():
        with transaction.atomic():
            LogicalTerminal.objects.select_for_update().get(pk=pickup.terminal_id)
            holding.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_terminal_row)
    holder.start()
    try:
        holding.wait(10)
        closed = []
        closer = threading.Thread(
            target=lambda: (closed.append(close_stale_pickups(now=pickup.expires_at)), connection.close())
        )
        closer.start()
        closer.join(5)
        assert closed == [1], "closing the pickup waited for the terminal row"
    finally:
        release.set()
        holder.join()
        closer.join()


def test_after_a_reissue_the_new_code_is_marked_and_the_old_one_is_told_when_it_was_replaced(
    real_ca, make_application, staff_user, run_day, user_client
):
    from naccs.pki.acquisition import AcquisitionRefused, acquire_certificate
    from naccs.terminals.models import LogicalTerminal

    application = make_application(count=1)
    terminal = application.reissue_lines.get().terminal
    old = (terminal.auth_code1, terminal.auth_code2, terminal.auth_code3)
    lifecycle.approve(application=application, actor=staff_user)
    morning_run.process_day(day=run_day)
    terminal = LogicalTerminal.objects.get(pk=terminal.pk)

    row = user_client.get("/contract/").content.decode().split(f"<td>{terminal.name}</td>")[1].split("</tr>")[0]
    assert f'<td>{terminal.auth_code2} <span class="badge">' in row and "の再発行で変更</span>" in row

    with pytest.raises(AcquisitionRefused, match=r"入力された認証コード2は、\d{4}/\d{2}/\d{2}の再発行で新しい"):
        acquire_certificate(terminal_name=terminal.name, auth_codes=old, password="p12-pass-2026", client_address="x")
    wrong_first = ("WRONG", old[1], old[2])
    with pytest.raises(AcquisitionRefused, match="論理端末名または認証コードが正しくありません"):
        acquire_certificate(
            terminal_name=terminal.name, auth_codes=wrong_first, password="p12-pass-2026", client_address="x"
        )

    new = (terminal.auth_code1, terminal.auth_code2, terminal.auth_code3)
    acquire_certificate(terminal_name=terminal.name, auth_codes=new, password="p12-pass-2026", client_address="x")
    row = user_client.get("/contract/").content.decode().split(f"<td>{terminal.name}</td>")[1].split("</tr>")[0]
    assert "の再発行で変更" not in row  # acquired with the new code: nothing left to point out


def test_a_lost_key_is_revoked_at_the_approval(real_ca, make_application, staff_user):
    application = make_application(count=2, reason="key_compromise")
    terminals = [line.terminal for line in application.reissue_lines.all()]
    lifecycle.approve(application=application, actor=staff_user)
    for terminal in terminals:
        certificate = Certificate.objects.get(terminal=terminal)
        assert certificate.revocation_reason == Certificate.RevocationReason.KEY_COMPROMISE


def test_a_certificate_renewed_while_a_reissue_waits_survives_the_morning_run(
    real_ca, make_application, staff_user, run_day
):
    from naccs.pki import issuance

    application = make_application(count=1, reason="replaced")
    terminal = application.reissue_lines.get().terminal
    lifecycle.approve(application=application, actor=staff_user)
    renewed = issuance.issue_certificate(terminal=terminal, public_key=issuance.new_terminal_key().public_key())
    morning_run.process_day(day=run_day)
    renewed.refresh_from_db()
    assert renewed.revoked_at is None
