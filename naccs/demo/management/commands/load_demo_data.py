"""Demo data for a local portal: two companies, their users and terminals, center staff and news. Safe to run twice."""

import hashlib
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from naccs.accounts.models import Company, Office, User
from naccs.applications.models import (
    Application,
    BrokerLine,
    ContractChange,
    ContractChangeLine,
    Reissue,
    SystemSettings,
)
from naccs.billing import payments, services
from naccs.billing.close import close_month
from naccs.billing.models import BillingAccount, Invoice, TariffItem
from naccs.lib.business_days import earliest_desired_date
from naccs.lib.periods import months_after
from naccs.pki import ca
from naccs.pki.issuance import certificate_expiry, issue_certificate
from naccs.portal.models import NewsItem
from naccs.terminals.catalogue import seed_catalogue
from naccs.terminals.models import (
    Certificate,
    ContractDetails,
    LogicalTerminal,
    NotificationAddress,
    SettingItem,
    TerminalSetting,
)

SEA, AIR = LogicalTerminal.Category.SEA, LogicalTerminal.Category.AIR
NET, WEB = LogicalTerminal.DeviceType.NET, LogicalTerminal.DeviceType.WEB

# (name, category, device type, days since the current certificate was issued)
# 345 and 355 days: inside the 28-day renewal window; 380 days: expired.
DEMO_TERMINALS = {
    "12345678": [
        ("11110A", SEA, NET, 40),
        ("11110B", SEA, WEB, 120),
        ("11110C", AIR, NET, 200),
        ("11110D", AIR, WEB, 345),
        ("11110E", SEA, NET, 355),
        ("11110F", AIR, WEB, 380),
    ],
    "87654321": [
        ("22220A", SEA, NET, 90),
        ("22220B", AIR, WEB, 350),
    ],
}

DEMO_USERS = [
    # (login ID, password, company code, office, 姓, 名, セイ, メイ, mail)
    ("demo", "demo-pass-2026", "12345678", "東京事業所", "通関", "花子", "ツウカン", "ハナコ", "hanako@example.jp"),
    # Company 12345678's other offices come before company 87654321's rows, so that the isolation matrix (which only
    # tries ids no other company's row has) finds each kind's demo 申込.
    (
        "demo-osaka",
        "osaka-pass-2026",
        "12345678",
        "大阪事業所",
        "浪速",
        "一郎",
        "ナニワ",
        "イチロウ",
        "ichiro@example.jp",
    ),
    (
        "demo-nagoya",
        "nagoya-pass-2026",
        "12345678",
        "名古屋事業所",
        "中部",
        "三郎",
        "チュウブ",
        "サブロウ",
        "saburo@example.jp",
    ),
    ("demo2", "demo2-pass-2026", "87654321", "横浜事業所", "港湾", "次郎", "コウワン", "ジロウ", "jiro@example.jp"),
]

COMPANIES = {"12345678": "通関商事株式会社", "87654321": "港湾物流株式会社"}

CATEGORY = NewsItem.Category
DEMO_NEWS = [
    # (company code or None for all, category, text, days ago)
    ("12345678", CATEGORY.APPLICATION, "通関士IDの追加申込の審査を終了しました。追加した利用者を確認してください。", 3),
    (
        "12345678",
        CATEGORY.SYSTEM_SETTINGS,
        "システム設定申込の審査を終了しました。通知内容をご確認ください。",
        5,
    ),
    (
        "12345678",
        CATEGORY.CERTIFICATE,
        "デジタル証明書を再発行しました。NACCS掲示板よりデジタル証明書を取得の上、適用作業を実施願います。",
        9,
    ),
    (
        None,
        CATEGORY.FEES,
        "口座振替申込専用紙を送付しました。受領しましたら、必要事項を記入しNACCSセンターに郵送してください。",
        20,
    ),
    ("87654321", CATEGORY.APPLICATION, "利用申込内容に確認事項があります。港湾物流株式会社向けのお知らせです。", 2),
]


# The demo tariff (税抜, 10%): 基本料金 a month per 利用機器区分, and a fee per reissued terminal.
DEMO_TARIFF = [("basic", NET, 3000), ("basic", WEB, 1500), ("basic", LogicalTerminal.DeviceType.PACKAGE, 2000)]
DEMO_REISSUE_FEE = 1000
# (company code, postal code, address, payment method, 口座振替)
DEMO_BILLING_ACCOUNTS = [
    ("12345678", "100-0005", "東京都千代田区丸の内一丁目2番3号", "transfer", "not_applied"),
    ("87654321", "231-0002", "神奈川県横浜市中区海岸通四丁目5番6号", "direct_debit", "registered"),
]
# The months billed and confirmed, back from the previous month; the oldest is paid.
DEMO_INVOICE_MONTHS = 3


def demo_serial(terminal_name: str) -> str:
    """A stable placeholder serial until the CA replaces the record with a real certificate."""
    return hashlib.sha256(f"demo:{terminal_name}".encode()).hexdigest()[:32]


DEMO_TERMINAL_APPLIED_FOR = "11110F"


class Command(BaseCommand):
    help = "Load the demo companies, users, terminals, certificates and news (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEMO_ENABLED:
            # Its logins and passwords are public (README): never in a database that serves real companies.
            raise CommandError("デモデータは開発環境(DJANGO_DEBUG=1)でのみ読み込めます。")
        now = timezone.now()
        companies = {}
        offices = {}
        for code, name in COMPANIES.items():
            companies[code], _ = Company.objects.update_or_create(code=code, defaults={"name": name})

        for login, password, code, office_name, last, first, last_kana, first_kana, mail in DEMO_USERS:
            office, _ = Office.objects.get_or_create(company=companies[code], name=office_name)
            offices.setdefault(code, office)  # the company's first office holds its terminals
            user, created = User.objects.get_or_create(
                username=login,
                defaults={
                    "company": companies[code],
                    "office": office,
                    "last_name": last,
                    "first_name": first,
                    "last_name_kana": last_kana,
                    "first_name_kana": first_kana,
                    "department": "第一通関部通関課",
                    "job_title": "係長",
                    "phone": "0312345678",
                    "email": mail,
                },
            )
            if created:
                user.set_password(password)
                user.save()

        center, created = User.objects.get_or_create(
            username="center", defaults={"is_staff": True, "is_superuser": True, "last_name": "センター"}
        )
        if created:
            center.set_password("center-pass-2026")
            center.save()

        pending_certificates = []
        for code, terminals in DEMO_TERMINALS.items():
            for name, category, device_type, age_days in terminals:
                terminal, _ = LogicalTerminal.objects.get_or_create(
                    name=name,
                    defaults={
                        "company": companies[code],
                        "office": offices[code],
                        "category": category,
                        "device_type": device_type,
                        "auth_code1": f"NAC{name}",
                        "auth_code2": f"ABCDE{name[:5]}",
                        "auth_code3": "NACCS",
                    },
                )
                if not terminal.certificates.exists():
                    issued = now - timedelta(days=age_days)
                    if ca.exists():  # a real certificate, issued after the rest of the demo (see below)
                        pending_certificates.append((terminal, issued))
                        continue
                    Certificate.objects.create(
                        terminal=terminal,
                        serial=demo_serial(name),
                        subject=f"CN={name}",
                        not_before=issued,
                        not_after=certificate_expiry(issued),
                        issued_at=issued,
                    )

        self.demo_application(User.objects.get(username="demo"), now)
        self.demo_broker_application(User.objects.get(username="demo"), now)
        self.demo_contract(companies["12345678"])
        self.demo_contract_change_and_settings(User.objects.get(username="demo"), now)
        self.issue_real_certificates(pending_certificates)

        for code, category, text, days_ago in DEMO_NEWS:
            NewsItem.objects.get_or_create(
                company=companies[code] if code else None,
                text=text,
                defaults={"category": category, "published_at": now - timedelta(days=days_ago)},
            )

        self.demo_invoices(companies, center, now)

        self.stdout.write(self.style.SUCCESS("デモデータを用意しました。"))
        self.stdout.write("  利用者  demo / demo-pass-2026 (12345678 通関商事株式会社)")
        self.stdout.write(
            "  利用者  demo-osaka, demo-nagoya (同じ会社の大阪・名古屋事業所、パスワードは osaka-pass-2026 など)"
        )
        self.stdout.write("  利用者  demo2 / demo2-pass-2026 (87654321 港湾物流株式会社)")
        self.stdout.write("  センター center / center-pass-2026 (back office at /center/)")

    def demo_application(self, user, now):
        """One 申込 already registered (受付済) yesterday for the expired terminal, so that 申込内容の確認 has
        something; its 申込受付番号 is that of its day, as registering gives it."""
        terminal = LogicalTerminal.objects.get(name=DEMO_TERMINAL_APPLIED_FOR)
        if Application.objects.filter(reissue_lines__terminal=terminal, created_by=user).exists():
            return
        application = self.registered_yesterday(user, now, kind=Application.Kind.REISSUE, number=1)
        Reissue.objects.create(application=application, reason=Reissue.Reason.EXPIRED)
        application.reissue_lines.create(terminal=terminal)

    def demo_broker_application(self, user, now):
        """A 通関士IDの追加 申込 registered yesterday naming two 通関士, for the center to review."""
        if Application.objects.filter(kind=Application.Kind.BROKER_IDS, created_by=user).exists():
            return
        application = self.registered_yesterday(user, now, kind=Application.Kind.BROKER_IDS, number=2)
        for number, (last, first, last_kana, first_kana) in enumerate(
            [("関税", "一郎", "カンゼイ", "イチロウ"), ("保税", "二郎", "ホゼイ", "ジロウ")], start=1
        ):
            BrokerLine.objects.create(
                application=application, last_name=last, first_name=first, last_name_kana=last_kana,
                first_name_kana=first_kana, registration_number=f"1000{number}", office=user.office,
                email=f"broker{number}@example.jp",
            )  # fmt: skip

    def registered_yesterday(self, user, now, *, kind, number):
        """A 受付済 申込 of `kind` by `user`, its 申込受付番号 the `number`th of yesterday as registering gives it."""
        submitted_at = now - timedelta(days=1)
        return Application.objects.create(
            receipt_number=f"{timezone.localtime(submitted_at):%y%m%d}{number:05d}",
            kind=kind,
            company=user.company,
            created_by=user,
            status=Application.Status.SUBMITTED,
            applicant_last_name=user.last_name,
            applicant_first_name=user.first_name,
            applicant_last_name_kana=user.last_name_kana,
            applicant_first_name_kana=user.first_name_kana,
            applicant_department=user.department,
            applicant_phone=user.phone,
            applicant_email=user.email,
            desired_date=earliest_desired_date(now),
            submitted_at=submitted_at,
        )

    def demo_contract(self, company):
        """The registered details, notification address and each terminal's システム設定 of the demo company."""
        seed_catalogue(SettingItem)  # as the migration seeded it (a test database may have been flushed since)
        ContractDetails.objects.get_or_create(
            company=company,
            defaults={
                "address": "東京都港区海岸1-1-1",
                "representative": "代表取締役　通関太郎",
                "phone": "0312345678",
            },
        )
        NotificationAddress.objects.get_or_create(company=company, email="notice@example.jp")
        groups = {"sea": ["SEA-IMP", "SEA-EXP", "INQ"], "air": ["AIR-IMP", "AIR-EXP", "INQ"]}
        for terminal in company.terminals.all():
            for item in SettingItem.objects.filter(code__in=groups[terminal.category]):
                TerminalSetting.objects.get_or_create(terminal=terminal, item=item)

    def demo_contract_change_and_settings(self, user, now):
        """A registered 契約内容の変更 (a terminal to add) and システム設定の申込: 契約内容の確認 shows a pending
        change, 申込内容の確認 has every kind."""
        if Application.objects.filter(created_by=user, kind=Application.Kind.CONTRACT_CHANGE).exists():
            return
        for number, kind in enumerate((Application.Kind.CONTRACT_CHANGE, Application.Kind.SYSTEM_SETTINGS), start=3):
            application = self.registered_yesterday(user, now, kind=kind, number=number)
            if kind == Application.Kind.CONTRACT_CHANGE:
                ContractChange.objects.create(application=application, phone="0398765432")
                ContractChangeLine.objects.create(
                    application=application,
                    action=ContractChangeLine.Action.ADD_TERMINAL,
                    category=LogicalTerminal.Category.SEA,
                    device_type=LogicalTerminal.DeviceType.WEB,
                    office=user.office,
                )
            else:
                SystemSettings.objects.create(application=application, notification_addresses=["notice2@example.jp"])

    def demo_invoices(self, companies, center, now):
        """The tariff, each company's 請求先 and its last months' invoices, made by the close and 確定 as staff do
        (so each has its 新着情報 item with a link and its mails in the outbox); the oldest is paid."""
        first = timezone.localdate(now).replace(day=1)
        for item, device_type, price in [*DEMO_TARIFF, ("reissue", "", DEMO_REISSUE_FEE)]:
            TariffItem.objects.get_or_create(
                item=item, device_type=device_type, valid_from=first.replace(year=first.year - 3),
                defaults={"unit_price": price},
            )  # fmt: skip
        for code, postal_code, address, method, direct_debit in DEMO_BILLING_ACCOUNTS:
            BillingAccount.objects.get_or_create(
                company=companies[code],
                defaults={"postal_code": postal_code, "address": address, "payment_method": method,
                          "direct_debit": direct_debit},
            )  # fmt: skip
        # As production made them: oldest month first, each closed on the 1st of the next month (the scheduler's day)
        # and 確定 that morning, so numbers rise with time, 請求日 precedes 支払期日 and each month has one notice.
        months = [months_after(first, -back) for back in range(DEMO_INVOICE_MONTHS, 0, -1)]
        for month in months:
            close_day = months_after(month, 1)
            close_month(month=month, staff=center, day=close_day)
            confirmed_at = timezone.make_aware(datetime.combine(close_day, time(10, 0)))
            for invoice in Invoice.objects.filter(month=month, status=Invoice.Status.DRAFT).order_by("pk"):
                services.confirm(invoice=invoice, staff=center, now=min(confirmed_at, now))
        month = months[0]
        oldest = Invoice.objects.filter(month=month, status=Invoice.Status.CONFIRMED)
        for invoice in oldest:
            payments.record_payment(invoice=invoice, amount=invoice.total, paid_on=invoice.issued_on, staff=center)

    def issue_real_certificates(self, pending):
        """Real certificates from the demo CA, with the dates a placeholder would have had. Certificates are never
        deleted (a CA never forgets what it issued), so no placeholder is made when the CA is there."""
        # In name order, so that each company's certificates (and their audit events) come together.
        for terminal, issued in sorted(pending, key=lambda each: each[0].name):
            key = ca.new_private_key("ec")  # the demo never hands out these keys; EC keeps the set-up quick
            issue_certificate(
                terminal=terminal, public_key=key.public_key(), not_before=issued, not_after=certificate_expiry(issued)
            )
