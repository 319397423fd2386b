"""The shared Redis cache, made optional: when Redis does not answer, the cache misses instead of failing.

Everything the portal keeps in the cache (sessions, read through it by `cached_db`) also lives in the database, so a
Redis that is down or unreachable must cost speed, never a 500 (issue 26 #3). Each operation is Django's own
`RedisCache` method; only an outage (`redis.ConnectionError`, `redis.TimeoutError`) is turned into a miss (reads) or a
no-op (writes), with a warning in the log. Any other error still raises: it is a bug, not an outage. `incr` is left
as it is: a counter has no copy in the database to fall back on (nothing here uses one).
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE = (RedisConnectionError, RedisTimeoutError)
WARNING_INTERVAL = 60.0  # seconds: one warning a minute per process, not one per cache call


class OptionalRedisCache(RedisCache):
    """Django's Redis cache backend whose outages are cache misses. Configure it as RedisCache; keep the socket
    timeouts short in OPTIONS (naccs/settings/base.py does) so that a Redis host that stopped answering costs little
    per call."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self.warned_at = None
        self.warning_lock = threading.Lock()

    def outage(self, operation: str, error: Exception) -> None:
        with self.warning_lock:
            now = time.monotonic()
            if self.warned_at is not None and now - self.warned_at < WARNING_INTERVAL:
                return
            self.warned_at = now
        logger.warning(
            "cache unavailable, working from the database (%s: %s: %s)", operation, type(error).__name__, error
        )

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except OUTAGE as error:
            self.outage("add", error)
            return False

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except OUTAGE as error:
            self.outage("get", error)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except OUTAGE as error:
            self.outage("set", error)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except OUTAGE as error:
            self.outage("touch", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except OUTAGE as error:
            self.outage("delete", error)
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except OUTAGE as error:
            self.outage("get_many", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except OUTAGE as error:
            self.outage("has_key", error)
            return False

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except OUTAGE as error:
            self.outage("set_many", error)
            return list(data)  # the keys that were not stored, as the API reports them

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except OUTAGE as error:
            self.outage("delete_many", error)

    def clear(self):
        try:
            return super().clear()
        except OUTAGE as error:
            self.outage("clear", error)
            return False
