"""Every page runs the same number of queries for a small company as for one with thousands of rows, at most 15."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from naccs.accounts.models import Company, User
from naccs.applications.lifecycle import start
from naccs.applications.models import Application, BrokerLine, Reissue, ReissueLine
from naccs.audit.models import AuditEvent
from naccs.billing.models import Invoice, InvoiceLine
from naccs.lib.business_days import earliest_desired_date
from naccs.pki.issuance import certificate_expiry
from naccs.portal.models import NewsItem
from naccs.terminals.models import Certificate, LogicalTerminal

pytestmark = pytest.mark.django_db
MAX_QUERIES = 15
SMALL = {"terminals": 6, "applications": 10, "news": 10, "brokers": 1, "users": 2, "invoices": 3}
LARGE = {"terminals": 2000, "applications": 5000, "news": 1000, "brokers": 19, "users": 1000, "invoices": 120}
LINES_OF_FIRST_APPLICATION = 40


def build_company(code, name, *, terminals, applications, news, brokers, users, invoices):
    company = Company.objects.create(code=code, name=name)
    office = company.offices.create(name="本社")
    user = User.objects.create(username=f"user{code}", company=company, office=office, email="a@example.jp")
    now = timezone.now()
    made = LogicalTerminal.objects.bulk_create(
        LogicalTerminal(
            company=company, office=office, name=f"{code[:1]}{number:05d}", category="sea", device_type="netNACCS",
            auth_code1="A", auth_code2="B", auth_code3="C",
        )
        for number in range(terminals)
    )  # fmt: skip
    Certificate.objects.bulk_create(
        Certificate(
            terminal=terminal, serial=f"{code}{number:024x}", not_before=issued, not_after=certificate_expiry(issued),
            issued_at=issued,
        )
        for number, terminal in enumerate(made)
        for issued in [now - timedelta(days=number % 400)]
    )  # fmt: skip
    created = Application.objects.bulk_create(
        Application(
            kind="reissue", company=company, created_by=user, status=Application.Status.SUBMITTED,
            receipt_number=f"{code[:3]}{number:08d}", submitted_at=now - timedelta(minutes=number),
            desired_date=earliest_desired_date(), applicant_last_name="通関",
        )
        for number in range(applications)
    )  # fmt: skip
    Reissue.objects.bulk_create(Reissue(application=application, reason="expired") for application in created)
    ReissueLine.objects.bulk_create(
        ReissueLine(application=application, terminal=made[number % terminals])
        for number, application in enumerate(created)
    )
    # The first 申込 names many terminals, so that its detail pages are measured with a long list of lines.
    ReissueLine.objects.bulk_create(
        ReissueLine(application=created[0], terminal=terminal) for terminal in made[1:LINES_OF_FIRST_APPLICATION]
    )
    NewsItem.objects.bulk_create(
        NewsItem(company=company, category="application", text=f"お知らせ{number}", published_at=now)
        for number in range(news)
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(company=company, action="application.submitted", object_id=str(a.pk)) for a in created[:50]
    )
    build_invoices(company, invoices)
    draft = start(kind="reissue", user=user)
    broker_draft = start(kind=Application.Kind.BROKER_IDS, user=user)
    Application.objects.filter(pk__in=[draft.pk, broker_draft.pk]).update(
        applicant_last_name="通関", applicant_first_name="花子", applicant_last_name_kana="ツウカン",
        applicant_first_name_kana="ハナコ", applicant_department="通関部", applicant_phone="0312345678",
        applicant_email="a@example.jp", desired_date=earliest_desired_date(),
    )  # fmt: skip
    Reissue.objects.filter(application=draft).update(reason="expired")
    draft.reissue_lines.create(terminal=made[0])
    # 通関士IDの追加: a 申込 and a draft naming `brokers` 通関士, and `users` logins in 契約内容の確認.
    User.objects.bulk_create(
        User(username=f"{code}{number:03d}", company=company, office=office, is_customs_broker=True, last_login=now)
        for number in range(1, users + 1)
    )
    broker_application = Application.objects.create(
        kind=Application.Kind.BROKER_IDS, company=company, created_by=user, status=Application.Status.SUBMITTED,
        receipt_number=f"{code[:3]}B0000001", submitted_at=now, desired_date=earliest_desired_date(),
    )  # fmt: skip
    for application in (broker_application, broker_draft):
        BrokerLine.objects.bulk_create(
            BrokerLine(
                application=application, last_name="関税", first_name="一郎", last_name_kana="カンゼイ",
                first_name_kana="イチロウ", registration_number=str(number), office=office, email="b@example.jp",
            )
            for number in range(brokers)
        )  # fmt: skip
    drafts = {"reissue": draft, "broker_ids": broker_draft, **drafts_of_other_kinds(user, made)}
    return user, created[0], {**drafts, "broker_application": broker_application}


def drafts_of_other_kinds(user, terminals) -> dict:
    """A complete draft of 契約内容の変更 and of システム設定の申込, each naming as many lines as the company has
    terminals (up to the 40 of the long reissue), so that their steps are measured with long lists."""
    from naccs.applications.models import ContractChange, ContractChangeLine, SystemSettings, SystemSettingsLine
    from naccs.terminals.models import SettingItem, TerminalSetting

    applicant = {
        "applicant_last_name": "通関", "applicant_first_name": "花子", "applicant_last_name_kana": "ツウカン",
        "applicant_first_name_kana": "ハナコ", "applicant_department": "通関部", "applicant_phone": "0312345678",
        "applicant_email": "a@example.jp", "desired_date": earliest_desired_date(),
    }  # fmt: skip
    named = terminals[:LINES_OF_FIRST_APPLICATION]
    groups = list(SettingItem.objects.filter(kind="business_group"))
    output = SettingItem.objects.filter(kind="output").first()
    TerminalSetting.objects.bulk_create(
        TerminalSetting(terminal=terminal, item=item) for terminal in terminals for item in groups[:3]
    )
    change = start(kind="contract_change", user=user)
    Application.objects.filter(pk=change.pk).update(**applicant)
    ContractChange.objects.filter(application=change).update(company_name="新商号株式会社")
    ContractChangeLine.objects.bulk_create(
        ContractChangeLine(application=change, action="remove_terminal", terminal=terminal) for terminal in named
    )
    settings = start(kind="system_settings", user=user)
    Application.objects.filter(pk=settings.pk).update(**applicant)
    SystemSettings.objects.filter(application=settings).update(notification_addresses=["n@example.jp"])
    lines = SystemSettingsLine.objects.bulk_create(
        SystemSettingsLine(application=settings, terminal=terminal, mail_outputs={str(output.pk): "m@example.jp"})
        for terminal in named
    )
    for line in lines:
        line.business_groups.set(groups[:2])
    return {"contract_change": change, "system_settings": settings}


def build_invoices(company, count):
    """`count` months of 確定 invoices; the newest has `count` lines, so its pages are measured with many lines."""
    made = Invoice.objects.bulk_create(
        Invoice(
            company=company, month=date(2026 - n // 12, 12 - n % 12, 1), number=f"{company.code}-{n:03d}",
            status="confirmed", issued_on=date(2026, 12, 1), due_date=date(2026, 12, 31), payment_method="transfer",
            company_name=company.name, subtotal=3000, tax=300, total=3300,
        )
        for n in range(count)
    )  # fmt: skip
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=made[0], position=n, item=f"基本料金{n}", quantity=1, unit_price=3000, amount=3000,
                    tax_rate=10)
        for n in range(count)
    )  # fmt: skip


def company_pages(user, application, drafts):
    news = NewsItem.objects.filter(company=user.company).first()
    invoice = Invoice.objects.filter(company=user.company).order_by("-month").first()
    draft, change, settings = drafts["reissue"], drafts["contract_change"], drafts["system_settings"]
    broker_draft, broker_application = drafts["broker_ids"], drafts["broker_application"]
    return [
        "/",
        f"/news/{news.pk}/",
        "/apply/",
        "/applications/",
        f"/applications/{application.pk}/",
        f"/applications/{application.pk}/withdraw/",
        "/applications/reissue/",
        f"/applications/reissue/{draft.pk}/applicant/",
        f"/applications/reissue/{draft.pk}/terminals/",
        f"/applications/reissue/{draft.pk}/confirm/",
        f"/applications/{broker_application.pk}/",
        "/applications/?kind=broker_ids",
        "/applications/broker_ids/",
        f"/applications/broker_ids/{broker_draft.pk}/applicant/",
        f"/applications/broker_ids/{broker_draft.pk}/brokers/",
        f"/applications/broker_ids/{broker_draft.pk}/confirm/",
        "/applications/contract_change/",
        f"/applications/contract_change/{change.pk}/applicant/",
        f"/applications/contract_change/{change.pk}/details/",
        f"/applications/contract_change/{change.pk}/items/",
        f"/applications/contract_change/{change.pk}/confirm/",
        "/applications/system_settings/",
        f"/applications/system_settings/{settings.pk}/applicant/",
        f"/applications/system_settings/{settings.pk}/details/",
        f"/applications/system_settings/{settings.pk}/terminals/",
        f"/applications/system_settings/{settings.pk}/confirm/",
        "/contract/",
        "/accounts/password/",
        "/billing/",
        f"/billing/{invoice.pk}/",
        f"/billing/{invoice.pk}/pdf/",
        f"/billing/{invoice.pk}/csv/",
    ]


def staff_pages(application, drafts):
    newest_invoice = Invoice.objects.filter(company=application.company).order_by("-month").first()
    return [
        f"/center/applications/application/{drafts['broker_application'].pk}/change/",
        "/center/applications/brokerline/",
        *(
            f"/center/applications/application/{drafts[kind].pk}/change/"
            for kind in ("contract_change", "system_settings")
        ),
        "/center/",
        "/center/dashboard/",
        "/center/applications/application/",
        f"/center/applications/application/{application.pk}/change/",
        "/center/audit/auditevent/",
        "/center/terminals/logicalterminal/",
        "/center/billing/invoice/",
        f"/center/billing/invoice/{newest_invoice.pk}/change/",
    ]


def count_queries(client, url) -> int:
    client.get(url)  # warm caches (content types, sessions) so that both companies are measured alike
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, f"{url} gave {response.status_code}"
    return len(queries)


@pytest.fixture(autouse=True)
def steady_session(monkeypatch):
    """A slow run may cross the minute after which a page saves the session's last activity again (three queries
    on PostgreSQL). That write is not what a page costs, so it must not land in one company's count only."""
    monkeypatch.setattr("naccs.accounts.middleware.LAST_SEEN_PRECISION_SECONDS", 10**9)


@pytest.fixture
def two_sizes(db):
    return build_company("11111111", "小規模商事", **SMALL), build_company("22222222", "大規模物流", **LARGE)


def test_company_pages_need_the_same_queries_whatever_the_size(two_sizes):
    (small_user, *small_rows), (large_user, *large_rows) = two_sizes
    small_client, large_client = Client(), Client()
    small_client.force_login(small_user)
    large_client.force_login(large_user)
    for small_url, large_url in zip(company_pages(small_user, *small_rows), company_pages(large_user, *large_rows)):
        small = count_queries(small_client, small_url)
        large = count_queries(large_client, large_url)
        assert small == large, f"{large_url}: {small} queries for 6 terminals, {large} for 2,000"
        assert large <= MAX_QUERIES, f"{large_url}: {large} queries"


def test_staff_pages_need_the_same_queries_whatever_the_size(two_sizes, staff_client):
    (_, *small_rows), (_, *large_rows) = two_sizes
    for small_url, large_url in zip(staff_pages(*small_rows), staff_pages(*large_rows)):
        small = count_queries(staff_client, small_url)
        large = count_queries(staff_client, large_url)
        assert small == large, f"{large_url}: {small} queries, then {large} with more data"
        assert large <= MAX_QUERIES, f"{large_url}: {large} queries"
