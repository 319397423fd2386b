"""Queueing mail inside the caller's transaction: the mail leaves after the commit (mailer.delivery)."""

from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.db import transaction
from django.template.loader import select_template
from django.utils import timezone

from .models import OutboundMail
from .tasks import deliver_mail


def queue_mail(*, to: str, template: str | list[str], context: dict, company=None) -> OutboundMail:
    """Render templates/mail/<template>_subject.txt and _body.txt and queue the mail; it leaves after commit.

    `template` may be a list of names, tried in order (a kind's own text, then the shared one)."""
    names = [template] if isinstance(template, str) else template
    context = {**context, "site_url": settings.SITE_URL}
    subject = " ".join(_render(names, "subject", context).split())
    body = _render(names, "body", context)
    mail = OutboundMail.objects.create(
        to=to,
        subject=subject,
        body=body,
        company=company,
        next_attempt_at=timezone.now(),
        message_id=new_message_id(),
    )
    transaction.on_commit(lambda: deliver_mail.enqueue(mail.pk))
    return mail


def new_message_id() -> str:
    """A Message-ID unique across hosts (time, process, randomness: email.utils.make_msgid) in the sender's domain."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2] or "naccs.invalid"
    return make_msgid(domain=domain)


def _render(names: list[str], part: str, context: dict) -> str:
    return select_template([f"mail/{name}_{part}.txt" for name in names]).render(context)
