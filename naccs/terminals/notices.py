"""Where a notice to a company goes: the people it concerns and the company's 通知先 (NotificationAddress, registered
through システム設定の申込 and shown in 契約内容の確認)."""

from .models import NotificationAddress


def notice_recipients(company, addresses) -> list[str]:
    """`addresses` (the applicant, the users asked for) and every 通知先 of the company, each once whatever its case.
    Not for mail meant for one person only (a set-password link)."""
    registered = NotificationAddress.objects.filter(company=company).values_list("email", flat=True)
    seen, recipients = set(), []
    for address in [*addresses, *registered]:
        if address and address.lower() not in seen:
            seen.add(address.lower())
            recipients.append(address)
    return recipients
