"""Expiry reminders: 60, 30, 14, 7 and 1 days before expiry and 7 days after (the issue), and when the 28-day renewal
window opens (manual ②); each once, to the applicant and the users who asked for them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from naccs.center import reminders
from naccs.center.models import ExpiryNoticeOptIn, ExpiryReminder
from naccs.mailer.models import OutboundMail
from naccs.portal.models import NewsItem
from naccs.terminals.models import Certificate
from naccs.tests.helpers import at_once, expiring_in

pytestmark = pytest.mark.django_db


def kinds_sent(name):
    return list(
        ExpiryReminder.objects.filter(certificate__terminal__name=name)
        .order_by("sent_at", "pk")
        .values_list("kind", flat=True)
    )


def test_a_certificate_is_reminded_at_each_step_once(company, user):
    now = timezone.now()
    expiring_in(company, "11110A", 65, now=now)
    for day in range(0, 80):
        moment = now + timedelta(days=day)
        reminders.send_expiry_reminders(now=moment)
        reminders.send_expiry_reminders(now=moment)  # a second run the same day sends nothing more
    assert kinds_sent("11110A") == ["60", "30", "window", "14", "7", "1", "-7"]
    assert OutboundMail.objects.filter(to=user.email).count() == 7


def test_a_certificate_first_seen_10_days_before_expiry_gets_only_the_14_day_reminder(company, user):
    expiring_in(company, "11110A", 10)
    assert reminders.send_expiry_reminders() == 1
    assert kinds_sent("11110A") == ["14"]
    assert "14日前" in OutboundMail.objects.get().subject


def test_the_window_reminder_names_the_terminals_and_their_window_and_links_to_acquire(company, user, other_company):
    now = timezone.now()
    expiring_in(company, "11110A", 20, now=now)
    expiring_in(company, "11110B", 27, now=now)
    expiring_in(company, "11110C", 40, now=now)  # the 60-day reminder, in a notice of its own
    expiring_in(other_company, "22220A", 20, now=now)
    assert reminders.send_expiry_reminders(now=now) == 4
    news = NewsItem.objects.get(company=company, text__contains="28日以内")
    assert "11110A" in news.text and "11110B" in news.text and "11110C" not in news.text
    mail = OutboundMail.objects.get(to=user.email, subject__contains="28日前")
    expiry = timezone.localtime(now + timedelta(days=20)).date()
    assert f"11110A  有効期限 {expiry:%Y/%m/%d}" in mail.body
    assert f"更新期間 {expiry - timedelta(days=28):%Y/%m/%d}～{expiry:%Y/%m/%d}（更新できます）" in mail.body
    assert "/pki/acquire/?terminal=11110A" in mail.body
    assert "22220A" not in mail.body
    assert OutboundMail.objects.filter(to=user.email, subject__contains="60日前", body__contains="11110C").exists()


def test_seven_days_after_expiry_it_asks_for_a_reissue(company, user):
    expiring_in(company, "11110A", -8)
    assert reminders.send_expiry_reminders() == 1
    mail = OutboundMail.objects.get()
    assert "有効期限切れ7日後" in mail.subject
    assert "再発行の申込" in mail.body
    assert "有効期限が切れています" in NewsItem.objects.get().text


def test_long_expired_certificates_are_left_alone(company, user):
    expiring_in(company, "11110A", -40)
    assert reminders.send_expiry_reminders() == 0


def test_it_goes_to_the_applicant_and_to_the_users_who_opted_in(company, user, make_user, make_application):
    make_application(count=0)  # its applicant: hanako@example.jp
    opted = make_user("kanri", company=company, email="kanri@example.jp")
    make_user("other", company=company, email="other@example.jp")
    ExpiryNoticeOptIn.objects.create(user=opted)
    expiring_in(company, "11110A", 5)
    reminders.send_expiry_reminders()
    assert sorted(OutboundMail.objects.values_list("to", flat=True)) == ["hanako@example.jp", "kanri@example.jp"]


def test_without_an_applicant_or_opt_in_every_user_of_the_company_gets_it(company, user, make_user):
    make_user("other", company=company, email="other@example.jp")
    expiring_in(company, "11110A", 5)
    reminders.send_expiry_reminders()
    assert sorted(OutboundMail.objects.values_list("to", flat=True)) == sorted([user.email, "other@example.jp"])


def test_the_days_are_configurable(company, user, settings):
    settings.EXPIRY_REMINDER_DAYS = [45, 3]
    expiring_in(company, "11110A", 40)
    reminders.send_expiry_reminders()
    assert kinds_sent("11110A") == ["45"]


def test_revoked_certificates_get_no_reminder(company, user):
    terminal = expiring_in(company, "11110A", 5)
    Certificate.objects.filter(terminal=terminal).update(revoked_at=timezone.now())
    assert reminders.send_expiry_reminders() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_runs_at_once_remind_once(company, user):
    expiring_in(company, "11110A", 5)
    results, errors = at_once(reminders.send_expiry_reminders, count=2)
    assert not errors
    assert sorted(results) == [0, 1]
    assert OutboundMail.objects.count() == 1
