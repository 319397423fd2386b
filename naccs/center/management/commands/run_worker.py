import logging
import time

from django_tasks_db.management.commands import db_worker

from naccs.lib.outages import DATABASE_OUTAGE, Backoff, wait_after_failure
from naccs.pki.generation import check_at_start

logger = logging.getLogger("django_tasks_db")

STEADY_SECONDS = 60.0  # a worker that ran this long since its last failure starts its backoff again at 1 s


class Command(db_worker.Command):
    help = (
        "Run a task worker (django-tasks-db's db_worker, same options) that outlives any database outage: where "
        "db_worker exits, this one drops the connection, waits 1, 2, 4 … 10 s and polls again. Production runs this."
    )

    def handle(self, *args, **options):
        check_at_start()  # a worker signs OCSP answers and CRLs: never with CA files of another generation
        backoff = Backoff()
        while True:
            started = time.monotonic()
            try:
                return super().handle(*args, **options)
            except DATABASE_OUTAGE as error:
                if time.monotonic() - started > STEADY_SECONDS:
                    backoff.succeeded()
                wait_after_failure("task worker", backoff, error)
