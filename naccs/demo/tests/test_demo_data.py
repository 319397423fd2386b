import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from naccs.accounts.models import Company, User
from naccs.portal.models import NewsItem
from naccs.terminals.models import Certificate, LogicalTerminal

pytestmark = pytest.mark.django_db


ROOT = Path(__file__).resolve().parents[3]


def load():
    call_command("load_demo_data", stdout=StringIO())


def test_it_is_refused_where_the_demo_is_disabled(settings):
    settings.DEMO_ENABLED = False
    with pytest.raises(CommandError, match="開発環境"):
        load()
    assert not User.objects.exists()


def test_production_has_neither_the_demo_app_nor_its_commands(tmp_path):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "a-real-production-secret-key-" + "x" * 40,
        "CA_PASSPHRASE": "a-real-ca-passphrase",
        "VAR_DIR": str(tmp_path),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    code = "import django; django.setup(); from django.conf import settings; print(settings.INSTALLED_APPS)"
    apps = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert apps.returncode == 0, apps.stderr
    assert "naccs.center" in apps.stdout and "naccs.demo" not in apps.stdout
    for command in ("load_demo_data", "demo_terminal_certificate"):
        result = subprocess.run(
            [sys.executable, "manage.py", command], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.returncode != 0 and "Unknown command" in result.stderr, result.stderr


def test_it_is_safe_to_run_twice():
    load()
    counts = [m.objects.count() for m in (Company, User, LogicalTerminal, Certificate, NewsItem)]
    load()
    assert [m.objects.count() for m in (Company, User, LogicalTerminal, Certificate, NewsItem)] == counts


def test_it_creates_the_demo_logins():
    load()
    assert User.objects.get(username="demo").check_password("demo-pass-2026")
    assert User.objects.get(username="demo2").check_password("demo2-pass-2026")
    center = User.objects.get(username="center")
    assert center.check_password("center-pass-2026") and center.is_staff and center.company is None


def test_demo_company_has_six_terminals_of_every_kind():
    load()
    terminals = LogicalTerminal.objects.filter(company__code="12345678")
    assert terminals.count() == 6
    assert {t.category for t in terminals} == {"sea", "air"}
    assert {t.device_type for t in terminals} == {"netNACCS", "webNACCS"}
    assert LogicalTerminal.objects.filter(company__code="87654321").exists()


def test_certificates_are_valid_renewable_and_expired():
    load()
    now = timezone.now()
    certificates = Certificate.objects.filter(terminal__company__code="12345678")
    expired = [c for c in certificates if c.not_after <= now]
    in_window = [c for c in certificates if now < c.not_after <= now + timedelta(days=28)]
    valid = [c for c in certificates if c.not_after > now + timedelta(days=28)]
    assert len(expired) == 1
    assert len(in_window) >= 1
    assert len(valid) >= 1


def test_news_covers_every_category():
    load()
    assert set(NewsItem.objects.values_list("category", flat=True)) == set(NewsItem.Category.values)


def test_the_demo_application_is_numbered_for_the_day_it_was_registered():
    from naccs.applications.models import Application

    load()
    numbers = {}
    for application in Application.objects.all():
        assert application.receipt_number.startswith(f"{timezone.localtime(application.submitted_at):%y%m%d}")
        numbers[application.kind] = application.receipt_number[-5:]
    assert numbers == {
        "reissue": "00001",
        "broker_ids": "00002",
        "contract_change": "00003",
        "system_settings": "00004",
    }
    assert Application.objects.get(kind="broker_ids").broker_lines.count() == 2
    load()
    assert Application.objects.count() == 4


def test_the_demo_invoices_look_like_a_real_history():
    """Made as production makes them: each month closed on the 1st of the next and 確定 that day, oldest first."""
    from naccs.billing.models import Invoice
    from naccs.billing.notices import INVOICE_CONFIRMED
    from naccs.lib.periods import months_after

    load()
    for company in Company.objects.filter(invoices__isnull=False).distinct():
        invoices = list(Invoice.objects.filter(company=company).order_by("month"))
        assert len(invoices) >= 2
        assert [invoice.number for invoice in invoices] == sorted(invoice.number for invoice in invoices)
        for invoice in invoices:
            assert invoice.issued_on == months_after(invoice.month, 1)
            assert invoice.issued_on <= invoice.due_date
            assert timezone.localdate(invoice.confirmed_at) == invoice.issued_on
        news = NewsItem.objects.filter(company=company, text=INVOICE_CONFIRMED)
        days = [timezone.localdate(item.published_at) for item in news]
        assert len(days) == len(invoices) and len(set(days)) == len(days)
