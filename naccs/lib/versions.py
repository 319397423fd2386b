"""Versions kept in the shared cache, to name cached data by the state of what it shows.

Cached data is stored under a key that includes the version of every row it was read from; whoever changes such a
row retires the version (a new random one), so the old entries are never read again and simply expire. Reading a
version costs one cache get and no query, which is the point: the pages everyone opens at 9:00 need none.
"""

import uuid

from django.core.cache import cache
from django.db import transaction


def company_version_key(company_id: int) -> str:
    """The version of what a company's users see of its terminals and 申込 (wizard, 確認画面), retired by
    terminals/signals.py and applications/signals.py whenever one of those rows is saved or deleted. Code that
    changes them without a signal (QuerySet.update, bulk_create) saves their 申込 in the same transaction."""
    return f"company:version:{company_id}"


def version(key: str) -> str:
    """The current version under `key`, made on first use (also after the cache lost it: a new one is safe)."""
    current = cache.get(key)
    if current is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        current = cache.get(key)
    return current


def retire(key: str) -> None:
    """Give `key` a new version now and again after the commit.

    Now, so that this transaction's own later reads miss the old entries; after the commit, because a request that
    read the rows before the commit may have cached them under the version made now.
    """
    _new_version(key)
    transaction.on_commit(lambda: _new_version(key))


def _new_version(key: str) -> None:
    cache.set(key, uuid.uuid4().hex, timeout=None)


def cached_under(name: str, version_key: str, compute, *, store=None, keep=None):
    """compute()'s value, kept under `name` and the current version under `version_key`, in the shared cache or in
    `store` (a process's own memory suits rendered fragments: what is stored under a versioned key never changes).

    `name` must say whose data it is (company, user, id); the version must cover every row compute() reads. An
    exception from compute() (Http404 for another company's id) passes through and caches nothing; so does a value
    that `keep(value)` refuses (too large to hold), which is computed again next time."""
    store = cache if store is None else store
    key = f"{name}:{version(version_key)}"
    value = store.get(key)
    if value is None:
        value = compute()
        if keep is None or keep(value):
            store.set(key, value)
    return value
