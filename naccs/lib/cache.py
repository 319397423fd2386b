"""The caches: the one every worker process of a host shares (CACHES in settings), and each process's own memory for
rendered fragments."""

import threading

from diskcache import DjangoCache


class SharedCache(DjangoCache):
    """diskcache's Django backend, keeping its SQLite connections open between requests.

    Django closes every cache when a request finishes (for the network caches' sake); diskcache's connections are the
    process's own, and opening them again at each request made a page three times slower (bench/profile_pages.py)."""

    def close(self, **kwargs):
        pass


class ProcessMemory:
    """A bounded store in this process's memory for values that never change once stored: rendered fragments under
    keys that name the versions of everything they show (naccs.lib.versions).

    Django's locmem cache pickles every value in and out, to protect callers from each other's changes; these values
    are immutable, and unpickling one cost a twentieth of the page that read it. So a read here is a dict lookup. When
    full, the oldest entry goes: entries under retired versions are never read again and age out that way."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._entries = {}
        self._lock = threading.Lock()  # the development server has threads; writes reorder the dict

    def get(self, key: str, default=None):
        return self._entries.get(key, default)

    def set(self, key: str, value) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                del self._entries[next(iter(self._entries))]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


# The home page below its header (per company, a few KB) and the 確認画面 above its form (per draft, at most
# CONFIRM_CONTENT_CACHED_MAX characters): some MB a process, 64 MB if every entry were a draft of that size.
fragments = ProcessMemory(max_entries=2_000)
