"""The 取得 path's hot statements, written as plain SQL (issue #4: our 取得 costs at most 1.25 × bare cryptography).

Why not the ORM here: for EC P-256 the cryptography of one 取得 takes about 5.2 ms, and the ORM spent 0.1–0.4 ms of
Python building each of the path's eight statements (about 2.5 ms in all, while SQLite executed them in 0.3 ms);
even one bulk_create for the audit rows cost 0.2 ms. Only the statements of that one path live here, each small and
portable: the suite runs them on SQLite and PostgreSQL. They name the models' tables and columns, so a model change
must be made here too (test_acquire checks that every column is written). Row locks: FOR UPDATE as
select_for_update() would write it on PostgreSQL; SQLite has no row locks and needs none (a write transaction takes
the database lock at BEGIN IMMEDIATE).
"""

from django.db import connection
from django.utils import timezone

from naccs.accounts.models import Company
from naccs.audit.models import AuditEvent
from naccs.lib.raw_sql import datetime_from_db
from naccs.terminals.models import Certificate, LogicalTerminal


def _locking(sql: str, *, of: str = "") -> str:
    """The SELECT with FOR UPDATE [OF alias] where the database has row locks."""
    if not connection.features.has_select_for_update:
        return sql
    return sql + (" FOR UPDATE OF " + of if of else " FOR UPDATE")


def _when(moment):
    """A datetime parameter as the ORM would pass it."""
    return connection.ops.adapt_datetimefield_value(moment)


def _json(value):
    """A JSONField parameter as the ORM would pass it (text on SQLite, jsonb on PostgreSQL)."""
    return connection.ops.adapt_json_value(value, None)


def failed_attempts(*, action: str, object_type: str, object_id: str, actor_label: str, since) -> tuple[int, int]:
    """Events `action` since `since`: (for this object, by this actor label); the rate limit of 取得."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT COUNT(CASE WHEN object_type = %s AND object_id = %s THEN 1 END),
                   COUNT(CASE WHEN actor_label = %s THEN 1 END)
            FROM audit_auditevent
            WHERE action = %s AND created_at >= %s
            """,
            [object_type, object_id, actor_label, action, _when(since)],
        )
        by_object, by_actor = cursor.fetchone()
    return by_object, by_actor


def lock_active_terminal(name: str) -> LogicalTerminal | None:
    """The active terminal of this name with its company's name, its row locked (not the company's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _locking(
                """
                SELECT t.id, t.company_id, t.name, t.auth_code1, t.auth_code2, t.auth_code3, c.name
                FROM terminals_logicalterminal t JOIN accounts_company c ON c.id = t.company_id
                WHERE t.name = %s AND t.is_active = %s
                """,
                of="t",
            ),
            [name, True],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    # Instances with the loaded fields only (the others load on access), as .only() would give; from_db takes the
    # values in the order of the model's fields.
    fields = ["id", "company_id", "name", "auth_code1", "auth_code2", "auth_code3"]
    terminal = LogicalTerminal.from_db(connection.alias, fields, row[:-1])
    terminal.company = Company.from_db(connection.alias, ["id", "name"], (terminal.company_id, row[-1]))
    return terminal


def lock_unrevoked_certificates(terminal_id: int) -> list[Certificate]:
    """The terminal's certificates not yet revoked, locked: a new certificate supersedes them."""
    fields = ["id", "terminal_id", "serial", "not_after"]
    with connection.cursor() as cursor:
        cursor.execute(
            _locking(
                "SELECT id, terminal_id, serial, not_after FROM terminals_certificate"
                " WHERE terminal_id = %s AND revoked_at IS NULL"
            ),
            [terminal_id],
        )
        rows = cursor.fetchall()
    return [
        Certificate.from_db(connection.alias, fields, (pk, terminal, serial, datetime_from_db(not_after)))
        for pk, terminal, serial, not_after in rows
    ]


def lock_open_pickup_id(terminal_id: int, now) -> int | None:
    """The newest pickup of the terminal neither acquired nor closed nor expired (PickupQuerySet.open), locked."""
    with connection.cursor() as cursor:
        cursor.execute(
            _locking(
                """
                SELECT id FROM pki_certificatepickup
                WHERE terminal_id = %s AND acquired_at IS NULL AND closed_at IS NULL AND expires_at > %s
                ORDER BY opened_at DESC LIMIT 1
                """
            ),
            [terminal_id, _when(now)],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def insert_certificate(certificate: Certificate) -> Certificate:
    """INSERT the new, unsaved certificate and give it its id, as Certificate.save() would (RETURNING: PostgreSQL,
    SQLite 3.35+)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO terminals_certificate
                (terminal_id, serial, subject, not_before, not_after, issued_at, revoked_at, revocation_reason, pem)
            VALUES (%s, %s, %s, %s, %s, %s, NULL, '', %s)
            RETURNING id
            """,
            [
                certificate.terminal_id, certificate.serial, certificate.subject, _when(certificate.not_before),
                _when(certificate.not_after), _when(certificate.issued_at), certificate.pem,
            ],
        )  # fmt: skip
        (certificate.pk,) = cursor.fetchone()
    certificate._state.adding = False
    certificate._state.db = connection.alias
    return certificate


def insert_audit_events(events: list[AuditEvent]) -> None:
    """INSERT events built by naccs.audit.services.event, as record_many would (without giving them ids)."""
    now = _when(timezone.now())
    with connection.cursor() as cursor:
        cursor.executemany(
            """
            INSERT INTO audit_auditevent ("created_at", "actor_id", "actor_label", "company_id", "action",
                "object_type", "object_id", "before", "after", "details")
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            """,
            [
                (
                    now, event.actor_id, event.actor_label, event.company_id, event.action, event.object_type,
                    event.object_id, _json(event.before), _json(event.after), _json(event.details),
                )
                for event in events
            ],
        )  # fmt: skip


def revoke(certificate_ids: list[int], *, now, reason: str) -> None:
    """Revoke certificate rows the caller has locked (usually one: the terminal's current certificate)."""
    with connection.cursor() as cursor:
        for certificate_id in certificate_ids:
            cursor.execute(
                "UPDATE terminals_certificate SET revoked_at = %s, revocation_reason = %s WHERE id = %s",
                [_when(now), reason, certificate_id],
            )


def mark_pickup_acquired(pickup_id: int, *, now, certificate_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pki_certificatepickup SET acquired_at = %s, certificate_id = %s WHERE id = %s",
            [_when(now), certificate_id, pickup_id],
        )
