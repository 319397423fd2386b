"""One page of the 論理端末 step's list in one plain SQL statement (issue #7: the 2,000-terminal step's p95).

Why not the ORM: selectors.terminal_choices builds the same list with three subqueries, and building and compiling
that queryset cost about 2 ms of Python a page, a third of the page, while the database answers in 0.2 ms. The
statement names the models' tables and columns and repeats terminal_choices' rules (busy: named in another open
申込; chosen: named in this draft; 発行日: the newest certificate's), so test_terminal_pages checks that both give
the same rows. Portable: the suite runs it on SQLite and PostgreSQL.
"""

from django.db import connection

from naccs.lib.raw_sql import datetime_from_db
from naccs.lib.versions import cached_under, company_version_key

from .models import ReissueApplication

ROWS = """
SELECT t.id, t.name, t.category, t.device_type, t.auth_code1, t.auth_code2, t.auth_code3,
       EXISTS (SELECT 1 FROM applications_reissueapplicationterminal l
               JOIN applications_reissueapplication a ON a.id = l.application_id
               WHERE l.terminal_id = t.id AND l.application_id <> %s AND a.status IN ({open_statuses})),
       EXISTS (SELECT 1 FROM applications_reissueapplicationterminal l
               WHERE l.terminal_id = t.id AND l.application_id = %s),
       (SELECT c.issued_at FROM terminals_certificate c WHERE c.terminal_id = t.id ORDER BY c.issued_at DESC LIMIT 1)
FROM terminals_logicalterminal t
WHERE t.company_id = %s AND t.is_active {name_condition}
ORDER BY t.name
LIMIT %s OFFSET %s
"""
COUNT = "SELECT COUNT(*) FROM terminals_logicalterminal t WHERE t.company_id = %s AND t.is_active {name_condition}"
# As the ORM writes name__icontains on both databases.
NAME_CONTAINS = "AND UPPER(t.name) LIKE UPPER(%s) ESCAPE '\\'"
COLUMNS = ("pk", "name", "category", "device_type", "auth_code1", "auth_code2", "auth_code3")


class TerminalPages:
    """The list of selectors.terminal_choices as plain dicts, for a Paginator: count() and one slice a page."""

    def __init__(self, company_id: int, application_id: int, *, name_filter: str = ""):
        self.company_id = company_id
        self.application_id = application_id
        self.name_filter = name_filter

    def _name(self) -> tuple[str, list]:
        if not self.name_filter:
            return "", []
        escaped = self.name_filter.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return NAME_CONTAINS, [f"%{escaped}%"]

    def count(self) -> int:
        """The unfiltered count, asked on every page, from the shared cache while the company's terminals are
        unchanged; a filtered one from the database."""
        if self.name_filter:
            return self._count()
        return cached_under(f"terminals:count:{self.company_id}", company_version_key(self.company_id), self._count)

    def _count(self) -> int:
        condition, params = self._name()
        with connection.cursor() as cursor:
            cursor.execute(COUNT.format(name_condition=condition), [self.company_id, *params])
            return cursor.fetchone()[0]

    def __getitem__(self, page: slice) -> list[dict]:
        condition, params = self._name()
        open_statuses = ", ".join(["%s"] * len(ReissueApplication.OPEN_STATUSES))
        sql = ROWS.format(open_statuses=open_statuses, name_condition=condition)
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [
                    self.application_id,
                    *ReissueApplication.OPEN_STATUSES,
                    self.application_id,
                    self.company_id,
                    *params,
                    page.stop - page.start,
                    page.start,
                ],
            )
            rows = cursor.fetchall()
        return [
            {
                **dict(zip(COLUMNS, row[:7], strict=True)),
                "busy": bool(row[7]),  # SQLite answers EXISTS with 0 or 1
                "chosen": bool(row[8]),
                "issued_at": datetime_from_db(row[9]),
            }
            for row in rows
        ]
