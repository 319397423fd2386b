"""Delivering queued mail, once, retrying while the mail server is down (run by the worker: mailer.tasks)."""

import logging
from datetime import timedelta
from email.header import Header

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.utils import timezone

from .models import OutboundMail

logger = logging.getLogger(__name__)

# Waits between attempts while the mail server is unreachable: 1, 2, 4 … minutes, at most an hour.
MAX_BACKOFF = timedelta(hours=1)
# A worker that dies while sending leaves its mail "sending"; after this lease another worker takes it over.
SENDING_LEASE = timedelta(minutes=10)


class PortalMessage(EmailMessage):
    """A mail as the outbox sends it. Python folds a long encoded Subject right after "Subject:", which some mail
    clients show as a leading space; encoded knowing its header's name, the first line carries text."""

    def message(self, *args, **kwargs):
        message = super().message(*args, **kwargs)
        message.replace_header("Subject", Header(self.subject, "utf-8", header_name="Subject").encode())
        return message


def claimable(now) -> Q:
    return Q(status=OutboundMail.Status.PENDING) | Q(status=OutboundMail.Status.SENDING, next_attempt_at__lt=now)


def claim(mail_id: int, now) -> OutboundMail | None:
    """Take a mail for sending (one UPDATE, so two workers never both get it); None when it is not ours to send."""
    claimed = OutboundMail.objects.filter(claimable(now), pk=mail_id).update(
        status=OutboundMail.Status.SENDING, next_attempt_at=now + SENDING_LEASE
    )
    return OutboundMail.objects.get(pk=mail_id) if claimed else None


def deliver(mail_id: int, now=None) -> bool:
    now = now or timezone.now()
    mail = claim(mail_id, now)
    if mail is None:
        return False
    message = PortalMessage(
        mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, [mail.to], headers={"Message-ID": mail.message_id}
    )
    try:
        message.send()
    except Exception as error:  # any SMTP or network failure: keep the mail and try later
        backoff = min(timedelta(minutes=2**mail.attempts), MAX_BACKOFF)
        OutboundMail.objects.filter(pk=mail.pk).update(
            status=OutboundMail.Status.PENDING,
            attempts=mail.attempts + 1,
            last_error=f"{type(error).__name__}: {error}"[:1000],
            next_attempt_at=now + backoff,
        )
        logger.warning("mail %s to %s not sent, retry in %s: %s", mail.pk, mail.to, backoff, error)
        return False
    OutboundMail.objects.filter(pk=mail.pk).update(
        status=OutboundMail.Status.SENT, attempts=mail.attempts + 1, sent_at=now, last_error=""
    )
    return True


def deliver_due(now=None) -> int:
    """Send every pending mail whose next attempt is due; returns how many left."""
    now = now or timezone.now()
    due = OutboundMail.objects.filter(claimable(now), next_attempt_at__lte=now)
    return sum(deliver(mail_id, now=now) for mail_id in due.values_list("pk", flat=True))
