"""What the few statements written as plain SQL share (pki.acquire_sql, applications.terminal_page_sql)."""

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def datetime_from_db(value):
    """A datetime read by plain SQL as the ORM would return it: SQLite gives naive UTC (text when it comes from a
    subquery, whose type SQLite does not know), PostgreSQL an aware value."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value, connection.timezone)
