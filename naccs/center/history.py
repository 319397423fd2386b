"""A 申込's history as the center reads it: each audit event in words, the draft's step saves as one row."""

from dataclasses import dataclass
from datetime import datetime

from naccs.applications import kinds
from naccs.applications.models import Application
from naccs.audit.models import AuditEvent

EVENT_WORDS = {
    kinds.STARTED: "入力開始",
    kinds.STEP_SAVED: "入力内容の保存",
    kinds.SUBMITTED: "申込の登録",
    kinds.RESUBMITTED: "修正して再登録",
    kinds.WITHDRAWN: "取り下げ",
    kinds.APPROVED: "承認",
    kinds.INFO_REQUESTED: "確認事項の送信",
    kinds.REJECTED: "却下",
    kinds.COMPLETED: "完了",
}
DETAIL_WORDS = {"receipt_number": "申込受付番号", "message": "通知内容", "kind": "申込種別"}


@dataclass
class HistoryRow:
    at: datetime
    until: datetime | None  # the last of several step saves collapsed into this row
    actor: str
    event: str
    what: str
    change: str  # 「入力中 → 受付済」, or "" when the status stayed
    details: list[str]
    count: int = 1


def status_words(value) -> str:
    return Application.Status(value).label if value in Application.Status.values else str(value)


def detail_words(name: str, value) -> str:
    if name == "kind" and value in kinds.KIND_CLASSES:
        value = kinds.kind_of(value).label
    return f"{DETAIL_WORDS.get(name, name)}：{value}"


def application_history(application: Application) -> list[HistoryRow]:
    """Newest first. Step saves in a row by the same person are one row (「入力内容の保存（19回）」)."""
    events = AuditEvent.objects.filter(object_type=Application._meta.label, object_id=str(application.pk))
    rows: list[HistoryRow] = []
    for event in events.order_by("created_at", "pk"):
        name = event.action.removeprefix("application.")
        last = rows[-1] if rows else None
        if name == kinds.STEP_SAVED and last and last.event == name and last.actor == event.actor_label:
            last.count += 1
            last.until = event.created_at
            continue
        before, after = event.before.get("status"), event.after.get("status")
        rows.append(
            HistoryRow(
                at=event.created_at,
                until=None,
                actor=event.actor_label,
                event=name,
                what=EVENT_WORDS.get(name, event.action),
                change=f"{status_words(before)} → {status_words(after)}" if before and before != after else "",
                details=[detail_words(key, value) for key, value in event.details.items() if value not in ("", None)],
            )
        )
    return rows[::-1]
