import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from naccs.center.scheduler import tick
from naccs.lib.outages import Backoff, wait_after_failure

logger = logging.getLogger("naccs.center.scheduler")


class Command(BaseCommand):
    help = (
        "Enqueue due periodic jobs once a minute (morning run, expiry reminders, mail retry). Outlives any database "
        "outage: a failed tick drops the connection and is tried again after 1, 2, 4 … 10 s."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=60.0)
        parser.add_argument("--once", action="store_true", help="one tick, then exit")

    def handle(self, *args, interval, once, **options):
        backoff = Backoff(longest=min(interval, 10.0))
        while True:
            try:
                # As Django does around a request: a connection that is obsolete or was cut (a database restart since
                # the last tick) is closed, so that this tick opens a fresh one instead of failing on the dead one.
                close_old_connections()
                names = tick()
                close_old_connections()
            except Exception as error:  # a database outage, or anything else: the scheduler must keep ticking
                if once:
                    self.stderr.write(f"scheduler tick failed: {error}")
                    return
                wait_after_failure("scheduler tick", backoff, error)
                continue
            if failures := backoff.succeeded():
                logger.warning("scheduler ticks again after %d failed tick(s)", failures)
            if names and options["verbosity"] > 1:
                self.stdout.write(", ".join(names))
            if once:
                return
            time.sleep(interval)
