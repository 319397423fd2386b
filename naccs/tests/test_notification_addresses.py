"""通知先 (registered through システム設定の申込) receive every notice to their company: each kind of 申込 notice, the
expiry reminders, a pickup's closing and a 確定 invoice; never a mail meant for one person (a set-password link)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from naccs.applications import kinds, lifecycle
from naccs.mailer.models import OutboundMail
from naccs.terminals.models import NotificationAddress
from naccs.tests.helpers import expiring_in, make_terminal

pytestmark = pytest.mark.django_db
NOTICE = "notice@example.jp"


@pytest.fixture
def registered(company, other_company):
    NotificationAddress.objects.create(company=company, email=NOTICE)
    NotificationAddress.objects.create(company=other_company, email="other-notice@example.jp")


def sent_to(address):
    return list(OutboundMail.objects.filter(to=address).values_list("subject", flat=True))


@pytest.mark.parametrize("code", list(kinds.KIND_CLASSES))
def test_each_kind_of_application_notice_reaches_the_notification_addresses(registered, user, code):
    application = lifecycle.start(kind=code, user=user)
    application.receipt_number, application.applicant_email = "20261201001", "hanako@example.jp"
    lifecycle._announce(application, kinds.SUBMITTED)
    assert sent_to("hanako@example.jp") == sent_to(NOTICE) and len(sent_to(NOTICE)) == 1
    assert not sent_to("other-notice@example.jp")


def test_a_registered_application_notice_reaches_them_once_even_if_the_applicant_is_one(
    registered, make_application, staff_user
):
    application = make_application()
    application.applicant_email = NOTICE.upper()
    application.save()
    lifecycle.approve(application=application, actor=staff_user)
    assert OutboundMail.objects.filter(to__iexact=NOTICE).count() == 1


def test_expiry_reminders_reach_them(registered, company, user):
    from naccs.center import reminders

    expiring_in(company, "11110A", 20)
    reminders.send_expiry_reminders(now=timezone.now())
    assert sent_to(NOTICE) and sent_to(NOTICE) == sent_to(user.email)


def test_the_closing_of_a_pickup_reaches_them(registered, company, user):
    from naccs.pki import pickups

    pickup = pickups.open_pickup(terminal=make_terminal(company, "11110A"))
    pickups.close_stale_pickups(now=pickup.expires_at + timedelta(minutes=1))
    assert any("取得期間終了" in subject for subject in sent_to(NOTICE))
    assert sent_to(NOTICE) == sent_to(user.email)


def test_a_confirmed_invoice_reaches_them(registered, company, user, staff_user):
    from naccs.billing import services
    from naccs.billing.close import close_month
    from naccs.billing.models import Invoice, TariffItem

    TariffItem.objects.create(item="basic", device_type="netNACCS", unit_price=3000, valid_from=date(2020, 1, 1))
    make_terminal(company, "11110A")
    close_month(month=date(2026, 11, 1))
    services.confirm(invoice=Invoice.objects.get(company=company), staff=staff_user)
    assert sent_to(NOTICE) == sent_to(user.email) and "請求額確定" in sent_to(NOTICE)[0]


def test_a_set_password_link_goes_to_the_broker_alone(registered, company, office, user):
    from naccs.accounts.models import User
    from naccs.applications.broker_ids import logins

    broker = User(username="12345678001", company=company, email="ichiro@example.jp", is_customs_broker=True)
    broker.set_unusable_password()
    broker.save()
    logins.send_set_password_link(broker)
    assert sent_to("ichiro@example.jp") and not sent_to(NOTICE)
