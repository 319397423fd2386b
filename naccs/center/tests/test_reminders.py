"""Expiry reminders: when the renewal window opens (28 days) and again 7 days before expiry, once each."""

from datetime import timedelta

import pytest
from django.utils import timezone

from naccs.center import reminders
from naccs.center.models import ExpiryReminder
from naccs.mailer.models import OutboundMail
from naccs.portal.models import NewsItem
from naccs.terminals.models import Certificate
from naccs.tests.helpers import make_terminal

pytestmark = pytest.mark.django_db


def expiring_in(company, name, days):
    terminal = make_terminal(company, name)
    Certificate.objects.filter(terminal=terminal).update(not_after=timezone.now() + timedelta(days=days))
    return terminal


def test_reminders_once_at_28_days_and_once_at_7_days(company, user, other_company, make_user):
    make_user("kowan", company=other_company, email="kowan@example.jp")
    expiring_in(company, "11110A", 20)
    expiring_in(company, "11110B", 27)
    expiring_in(company, "11110C", 40)  # not yet
    expiring_in(other_company, "22220A", 10)
    now = timezone.now()

    assert reminders.send_expiry_reminders(now=now) == 3
    news = NewsItem.objects.get(company=company)
    assert "11110A" in news.text and "11110B" in news.text and "11110C" not in news.text
    mail = OutboundMail.objects.get(to=user.email)
    assert "28日前" in mail.subject and "11110A" in mail.body
    assert OutboundMail.objects.filter(to="kowan@example.jp").count() == 1

    assert reminders.send_expiry_reminders(now=now) == 0
    assert OutboundMail.objects.count() == 2

    later = now + timedelta(days=14)  # 11110A: 6 days left, 11110B: 13, 22220A: expired
    assert reminders.send_expiry_reminders(now=later) == 2  # 11110A at 7 days; 11110C enters the 28-day window
    assert set(ExpiryReminder.objects.filter(kind="7").values_list("certificate__terminal__name", flat=True)) == {
        "11110A"
    }
    assert reminders.send_expiry_reminders(now=later) == 0


def test_revoked_certificates_get_no_reminder(company, user):
    terminal = expiring_in(company, "11110A", 5)
    Certificate.objects.filter(terminal=terminal).update(revoked_at=timezone.now())
    assert reminders.send_expiry_reminders() == 0
