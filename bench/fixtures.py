"""Data and logged-in sessions for bench/pages.py; prints one `label<TAB>path<TAB>cookie` line per page."""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.module_loading import import_string

from naccs.accounts.middleware import LAST_SEEN_KEY
from naccs.accounts.models import Company, User
from naccs.accounts.signals import LOGIN_AT_KEY
from naccs.applications.lifecycle import start
from naccs.applications.models import Application, Reissue
from naccs.billing.models import Invoice
from naccs.lib.business_days import earliest_desired_date
from naccs.lib.periods import months_after
from naccs.pki.issuance import certificate_expiry
from naccs.terminals.models import Certificate, LogicalTerminal

BIG_COMPANY_CODE = "99990000"
BIG_TERMINAL_COUNT = 2000


def session_cookie(user) -> str:
    """The cookies a browser holds after logging in: the session and the CSRF secret."""
    request = HttpRequest()
    get_token(request)  # sets the secret the CSRF cookie would carry
    session = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "naccs.accounts.backends.PortalBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[LOGIN_AT_KEY] = timezone.now().isoformat()
    session[LAST_SEEN_KEY] = time.time()
    session.save()
    return (
        f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={request.META['CSRF_COOKIE']}"
    )


def big_company_user():
    """A company with 2,000 terminals, each with a certificate: the worst case of the 論理端末 step."""
    company, _ = Company.objects.get_or_create(code=BIG_COMPANY_CODE, defaults={"name": "大規模物流株式会社"})
    office, _ = company.offices.get_or_create(name="本社")
    user, _ = User.objects.get_or_create(username="big", defaults={"company": company, "office": office})
    if not company.terminals.exists():
        now = timezone.now()
        terminals = LogicalTerminal.objects.bulk_create(
            LogicalTerminal(
                company=company,
                office=office,
                name=f"B{number:05d}",
                category=LogicalTerminal.Category.SEA if number % 2 else LogicalTerminal.Category.AIR,
                device_type=LogicalTerminal.DeviceType.NET,
                auth_code1=f"NACB{number:05d}",
                auth_code2=f"ABCDE{number:05d}",
                auth_code3="NACCS",
            )
            for number in range(BIG_TERMINAL_COUNT)
        )
        Certificate.objects.bulk_create(
            Certificate(
                terminal=terminal,
                serial=f"{0xB0000000 + index:032x}",
                subject=f"CN={terminal.name}",
                not_before=now - timedelta(days=100),
                not_after=now + timedelta(days=265),
                issued_at=now - timedelta(days=100),
            )
            for index, terminal in enumerate(terminals)
        )
    return user


def terminal_of(company, name: str) -> LogicalTerminal:
    """A netNACCS terminal (海上) of `company` with made-up 認証コード."""
    return LogicalTerminal.objects.create(
        company=company, name=name, category=LogicalTerminal.Category.SEA, device_type=LogicalTerminal.DeviceType.NET,
        auth_code1=f"NAC{name}", auth_code2=f"ABCDE{name}", auth_code3="NACCS",
    )  # fmt: skip


def renewable_terminal(company, name: str, var_dir):
    """A terminal inside its renewal window (an EC certificate issued 350 days ago), its certificate and key written as
    var_dir/<name>.pem and .key, as the terminal holds them: (terminal, key, certificate row)."""
    from cryptography.hazmat.primitives import serialization

    from naccs.pki import ca, issuance

    terminal = terminal_of(company, name)
    key = ca.new_private_key("ec")
    issued = timezone.now() - timedelta(days=350)
    row = issuance.issue_certificate(
        terminal=terminal, public_key=key.public_key(), not_before=issued, not_after=certificate_expiry(issued)
    )
    (var_dir / f"{name}.pem").write_text(row.pem)
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (var_dir / f"{name}.key").write_bytes(pkcs8)
    return terminal, key, row


def ten_years_of_invoices(company, months: int = 120) -> None:
    """請求金額の参照 of a company billed for ten years: the first page shows 24 of its 120 months."""
    if Invoice.objects.filter(company=company).exists():
        return
    first = timezone.localdate().replace(day=1)
    Invoice.objects.bulk_create(
        Invoice(
            company=company, month=months_after(first, -n), number=f"B{n:06d}", status=Invoice.Status.CONFIRMED,
            issued_on=months_after(first, 1 - n), due_date=months_after(first, 2 - n) - timedelta(days=1),
            payment_method="transfer", company_name=company.name, subtotal=6_000_000, tax=600_000, total=6_600_000,
        )
        for n in range(1, months + 1)
    )  # fmt: skip


def confirmable_draft(user, terminal_name: str):
    """A draft filled in up to the 確認画面."""
    draft = start(kind=Application.Kind.REISSUE, user=user)
    Application.objects.filter(pk=draft.pk).update(desired_date=earliest_desired_date())
    Reissue.objects.filter(application=draft).update(reason=Reissue.Reason.REPLACED)
    draft.reissue_lines.get_or_create(terminal=LogicalTerminal.objects.get(name=terminal_name))
    return draft


def prepare() -> None:
    demo = User.objects.get(username="demo")
    big = big_company_user()
    ten_years_of_invoices(big.company)
    analyze()
    big_draft = start(kind=Application.Kind.REISSUE, user=big)
    demo_draft = confirmable_draft(demo, "11110A")
    pages = [
        ("ログイン画面", "/accounts/login/", ""),
        ("home (メニュー画面)", "/", session_cookie(demo)),
        ("論理端末 step (2,000 terminals)", f"/applications/reissue/{big_draft.pk}/terminals/", session_cookie(big)),
        ("確認画面", f"/applications/reissue/{demo_draft.pk}/confirm/", session_cookie(demo)),
        ("契約内容の確認 (2,000 terminals)", "/contract/", session_cookie(big)),
        ("請求金額の参照 (120 months)", "/billing/", session_cookie(big)),
    ]
    for label, path, cookie in pages:
        print(f"{label}\t{path}\t{cookie}")


def analyze() -> None:
    """Fresh planner statistics after the bulk load, as autovacuum would have them on a live database."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def prepare_walkers(count: int = 50, terminals_each: int = 100) -> None:
    """`count` companies with one logged-in user each; prints `cookie<TAB>terminal ids<TAB>office id` per user."""
    now = timezone.now()
    for number in range(count):
        company, _ = Company.objects.get_or_create(
            code=f"7{number:07d}", defaults={"name": f"負荷試験{number}株式会社"}
        )
        office, _ = company.offices.get_or_create(name="本社")
        user, _ = User.objects.get_or_create(
            username=f"walker{number}", defaults={"company": company, "office": office, "email": "w@example.jp"}
        )
        terminals = LogicalTerminal.objects.bulk_create(
            LogicalTerminal(
                company=company, office=office, name=f"W{number:02d}{index:03d}", category="sea",
                device_type="netNACCS", auth_code1="A", auth_code2="B", auth_code3="C",
            )
            for index in range(terminals_each)
        )  # fmt: skip
        Certificate.objects.bulk_create(
            Certificate(
                terminal=terminal, serial=f"{0xC0000000 + number * 1000 + index:032x}", not_before=now,
                not_after=certificate_expiry(now), issued_at=now,
            )
            for index, terminal in enumerate(terminals)
        )  # fmt: skip
        print(f"{session_cookie(user)}\t{','.join(str(t.pk) for t in terminals)}\t{office.pk}")
