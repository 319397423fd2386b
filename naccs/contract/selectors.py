"""Each terminal of a company with its current certificate and its status (契約内容の確認)."""

from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from naccs.accounts.models import User
from naccs.accounts.roles import terminals_seen_by
from naccs.applications.broker_ids.logins import needs_password
from naccs.applications.kinds import kind_of
from naccs.applications.models import Application, ReissueLine
from naccs.pki.models import CertificatePickup
from naccs.terminals.listing import with_labels
from naccs.terminals.models import Certificate, LogicalTerminal, ReplacedAuthCode, SettingItem, TerminalSetting
from naccs.terminals.renewal import days_until_expiry, in_renewal_window

VALID = "有効"
RENEWABLE = "更新期間中"
EXPIRED = "期限切れ"
IN_PROGRESS = "再発行手続中"
AWAITING_PICKUP = "取得待ち"
ACQUIRABLE = (RENEWABLE, AWAITING_PICKUP)


def contract_terminals(user, *, now: datetime, name_filter: str = "") -> QuerySet:
    """The terminals of `user`'s company that they see (naccs.accounts.roles) in name order as plain rows, each with
    its 認証コード (and when a reissue last changed code 2), its current (newest unrevoked) certificate's serial and
    dates, and whether an open 申込 names it or a pickup waits for it: one query for a page."""
    current = Certificate.objects.filter(terminal=OuterRef("pk"), revoked_at__isnull=True).order_by("-not_after")
    replaced = ReplacedAuthCode.objects.filter(terminal=OuterRef("pk")).order_by("-replaced_at")
    terminals = terminals_seen_by(user, LogicalTerminal.objects.filter(company=user.company_id, is_active=True))
    terminals = terminals.order_by("name")
    if name_filter:
        terminals = terminals.filter(name__icontains=name_filter)
    return terminals.values("pk", "name", "category", "device_type", "auth_code1", "auth_code2", "auth_code3").annotate(
        code2_changed_at=Subquery(replaced.values("replaced_at")[:1]),
        serial=Subquery(current.values("serial")[:1]),
        issued_at=Subquery(current.values("issued_at")[:1]),
        not_after=Subquery(current.values("not_after")[:1]),
        in_application=Exists(ReissueLine.objects.busy().filter(terminal=OuterRef("pk"))),
        awaiting_pickup=Exists(CertificatePickup.objects.open(now).filter(terminal=OuterRef("pk"))),
    )


def status_of(row: dict, *, now: datetime) -> str:
    if row["awaiting_pickup"]:
        return AWAITING_PICKUP
    if row["in_application"]:
        return IN_PROGRESS
    if row["not_after"] is None or row["not_after"] <= now:
        return EXPIRED
    if in_renewal_window(row["not_after"], now):
        return RENEWABLE
    return VALID


def code2_is_new(row: dict) -> bool:
    """A reissue changed 認証コード2 and no certificate has been acquired with the new code yet."""
    changed = row["code2_changed_at"]
    return changed is not None and (row["issued_at"] is None or changed > row["issued_at"])


def with_status(rows, *, now: datetime) -> list[dict]:
    """One page of contract_terminals, each row with its status, the days its certificate has left and its labels."""
    shown = []
    for row in rows:
        not_after = row["not_after"]
        shown.append(
            {
                **with_labels(row),
                "status": status_of(row, now=now),
                "days_left": days_until_expiry(not_after, now) if not_after and not_after > now else None,
                "code2_is_new": code2_is_new(row),
            }
        )
    return shown


# The state of a login as 契約内容の確認 shows it.
IN_USE = "利用中"
NOT_STARTED = "利用開始前"
PASSWORD_NOT_SET = "パスワード未設定"
STOPPED = "利用停止"


def company_users(company) -> QuerySet[User]:
    """The company's logins (利用者ID order), each with its 事業所 and, for an added 通関士, its 申込: one query."""
    return (
        User.objects.filter(company=company).select_related("office", "broker_line__application").order_by("username")
    )


def user_rows(users) -> list[dict]:
    rows = []
    for user in users:
        line = getattr(user, "broker_line", None)
        if needs_password(user):
            state = PASSWORD_NOT_SET
        elif user.is_active:
            state = IN_USE
        elif line is not None and line.activated_at is None:
            state = NOT_STARTED
        else:
            state = STOPPED
        starts_on = line.application.desired_date if state == NOT_STARTED else None
        rows.append({"user": user, "state": state, "starts_on": starts_on, "may_resend": state == PASSWORD_NOT_SET})
    return rows


def settings_by_terminal(terminal_ids) -> dict[int, dict]:
    """The current システム設定 of the terminals of a page: the 業務 groups each may use and its 出力情報 delivered by
    mail (every other kind goes to the terminal), in one query."""
    settings = {pk: {"groups": [], "mails": []} for pk in terminal_ids}
    rows = TerminalSetting.objects.filter(terminal_id__in=terminal_ids).select_related("item")
    for setting in rows.order_by("item__order", "item__code"):
        entry = settings[setting.terminal_id]
        if setting.item.kind == SettingItem.Kind.BUSINESS_GROUP:
            entry["groups"].append(setting.item.name)
        elif setting.delivery_mail:
            entry["mails"].append((setting.item.name, setting.delivery_mail))
    return settings


def pending_contract_changes(company) -> list[Application]:
    """The company's 契約内容の変更 registered and not yet carried out, with what each changes, by 変更希望日."""
    kind = kind_of(Application.Kind.CONTRACT_CHANGE)
    pending = Application.objects.filter(
        company=company, kind=kind.code, status__in=Application.OPEN_STATUSES
    ).order_by("desired_date", "pk")
    return list(kind.with_details(pending))
