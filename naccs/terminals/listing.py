"""Terminals listed as plain rows (QuerySet.values()), a page at a time and filtered by name, as 契約内容の確認 and
the 論理端末 step of a reissue show them."""

from .models import LogicalTerminal

# Longer than any 論理端末名; the search boxes of both pages say the same (maxlength).
NAME_FILTER_MAX = 20
CATEGORIES = dict(LogicalTerminal.Category.choices)
DEVICE_TYPES = dict(LogicalTerminal.DeviceType.choices)


def name_filter_of(query: str) -> str:
    """The name filter typed in the search box, as the list applies it (without NUL, which no name holds and
    PostgreSQL refuses in a query)."""
    return query.replace("\x00", "").strip()[:NAME_FILTER_MAX]


def with_labels(row: dict) -> dict:
    """A row with its 区分 and 利用機器区分 as the user reads them (a row has no get_..._display)."""
    return {
        **row,
        "category_label": CATEGORIES[row["category"]],
        "device_type_label": DEVICE_TYPES[row["device_type"]],
    }
