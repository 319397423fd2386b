from email.header import decode_header, make_header
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from naccs.applications import lifecycle
from naccs.applications.models import Application
from naccs.mailer import delivery
from naccs.mailer.models import OutboundMail

from .conftest import Inbox

pytestmark = pytest.mark.django_db


def subject_of(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def body_of(message) -> str:
    return message.get_payload(decode=True).decode(message.get_content_charset())


@pytest.fixture
def accepted_mail(user, company):
    """The acceptance mail of the demo reissue 申込, queued as registering it (again, after a question) queues it."""
    call_command("load_demo_data", stdout=StringIO())
    application = Application.objects.get(status=Application.Status.SUBMITTED, kind=Application.Kind.REISSUE)
    Application.objects.filter(pk=application.pk).update(status=Application.Status.NEEDS_INFO)
    OutboundMail.objects.all().delete()  # the demo's invoice mails: these tests deliver the acceptance mail alone
    lifecycle.submit(application=application, user=application.created_by)
    # The demo company's 通知先 gets a copy of its own (issue 27 #5); these tests deliver the applicant's alone.
    assert OutboundMail.objects.filter(to="notice@example.jp").delete()[0] == 1
    return OutboundMail.objects.get()


def test_the_acceptance_mail_arrives_in_japanese(smtp_server, accepted_mail):
    assert delivery.deliver(accepted_mail.pk)

    (message,) = smtp_server.messages
    assert message["To"] == "hanako@example.jp"
    number = Application.objects.get(kind=Application.Kind.REISSUE).receipt_number
    assert subject_of(message) == f"【NACCS】デジタル証明書の再発行受付完了（申込受付番号：{number}）"
    body = body_of(message)
    assert "通関 花子 様" in body
    assert f"申込受付番号 : {number}" in body
    assert "申込受付年月日 : " in body and "年" in body
    assert "11110F" in body
    assert "今後の流れ" in body
    assert f"{settings.SITE_URL}/applications/" in body  # whatever `make serve` recorded in var/site-url


def test_the_subject_header_starts_on_its_own_line(smtp_server, accepted_mail):
    """Folded right after "Subject:", some mail clients show the subject with a leading space."""
    assert delivery.deliver(accepted_mail.pk)
    (message,) = smtp_server.messages
    raw = message.as_string()
    first_line = raw.split("Subject:", 1)[1].split("\n", 1)[0]
    assert first_line.strip().startswith("=?utf-8?"), first_line


def test_the_salutation_names_the_company_and_the_office(smtp_server, accepted_mail):
    assert delivery.deliver(accepted_mail.pk)
    (message,) = smtp_server.messages
    assert body_of(message).splitlines()[:2] == ["通関商事株式会社 東京事業所", "通関 花子 様"]


def test_a_sent_mail_is_never_sent_twice(smtp_server, accepted_mail):
    assert delivery.deliver(accepted_mail.pk)
    assert not delivery.deliver(accepted_mail.pk)
    assert delivery.deliver_due() == 0
    assert len(smtp_server.messages) == 1


def test_smtp_down_keeps_the_mail_and_sends_it_when_smtp_returns(settings, smtp_port, accepted_mail, request):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp_port, 2

    assert not delivery.deliver(accepted_mail.pk)  # nothing listens on the port yet
    accepted_mail.refresh_from_db()
    assert accepted_mail.status == OutboundMail.Status.PENDING
    assert accepted_mail.attempts == 1 and "Connection refused" in accepted_mail.last_error
    assert accepted_mail.next_attempt_at > timezone.now()
    assert delivery.deliver_due() == 0  # not due yet

    inbox = request.getfixturevalue("smtp_server")
    assert delivery.deliver_due(now=accepted_mail.next_attempt_at) == 1
    accepted_mail.refresh_from_db()
    assert accepted_mail.status == OutboundMail.Status.SENT
    assert len(inbox.messages) == 1


def test_the_command_sends_due_mail(smtp_server, accepted_mail):
    out = StringIO()
    call_command("deliver_mail", stdout=out)
    assert "1 件のメールを送信しました。" in out.getvalue()
    assert len(smtp_server.messages) == 1


def test_without_smtp_mail_is_written_to_files(settings, tmp_path, accepted_mail):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    assert delivery.deliver(accepted_mail.pk)
    (written,) = tmp_path.iterdir()
    assert "hanako@example.jp" in written.read_text()


def test_a_mail_left_sending_by_a_killed_worker_is_taken_over_after_the_lease(smtp_server, accepted_mail):
    now = timezone.now()
    assert delivery.claim(accepted_mail.pk, now) is not None  # the worker dies here, before sending
    assert delivery.deliver_due(now=now) == 0  # still leased
    assert delivery.deliver_due(now=now + delivery.SENDING_LEASE + timezone.timedelta(seconds=1)) == 1
    assert len(smtp_server.messages) == 1


class TakesTheMailThenFails(Inbox):
    """A mail server that receives the whole message, then answers its first DATA with a temporary failure: the
    sender cannot tell it from a reply lost when its worker was killed, and sends the mail again."""

    async def handle_DATA(self, server, session, envelope):
        await super().handle_DATA(server, session, envelope)
        if len(self.messages) == 1:
            return "451 4.3.0 reply lost"
        return "250 OK"


def test_every_attempt_of_a_mail_carries_the_message_id_fixed_when_it_was_queued(settings, smtp_port, accepted_mail):
    assert accepted_mail.message_id.startswith("<") and accepted_mail.message_id.endswith("@naccs.example.jp>")
    inbox = TakesTheMailThenFails()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp_port, 5
        now = timezone.now()
        assert not delivery.deliver(accepted_mail.pk, now=now)  # the server has it; the worker thinks it failed
        assert delivery.deliver_due(now=now + delivery.MAX_BACKOFF) == 1
    finally:
        controller.stop()
    first, second = inbox.messages
    assert first["Message-ID"] == second["Message-ID"] == accepted_mail.message_id  # the receiver drops the second


def test_two_mails_never_share_a_message_id(accepted_mail):
    from naccs.mailer.services import new_message_id

    assert len({new_message_id() for _ in range(1000)} | {accepted_mail.message_id}) == 1001
