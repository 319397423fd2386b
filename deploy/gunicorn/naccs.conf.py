"""gunicorn settings of the portal and the revocation responder (`gunicorn -c deploy/gunicorn/naccs.conf.py naccs.wsgi`,
`gunicorn -k asgi naccs.responder -c …`; deploy/systemd/).

prometheus-client's multiprocess mode: each worker writes its metrics under PROMETHEUS_MULTIPROC_DIR (emptied at each
start by systemd's RuntimeDirectory); a worker that exits is marked dead so that its gauges leave the scrape."""

import os

from prometheus_client import multiprocess


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
