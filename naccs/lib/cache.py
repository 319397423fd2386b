"""The cache every worker process of a host shares (see CACHES in settings)."""

from diskcache import DjangoCache


class SharedCache(DjangoCache):
    """diskcache's Django backend, keeping its SQLite connections open between requests.

    Django closes every cache when a request finishes (for the network caches' sake); diskcache's connections are the
    process's own, and opening them again at each request made a page three times slower (bench/profile_pages.py)."""

    def close(self, **kwargs):
        pass
