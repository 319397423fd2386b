"""The Prometheus scrape of a server (prometheus-client), shared by the portal's /metrics (naccs.center.metrics) and
the revocation responder's (naccs.pki.published)."""

import os

from prometheus_client import CollectorRegistry, generate_latest, multiprocess


def scrape(process_metrics, *, read_at_scrape=()) -> bytes:
    """The exposition text. With PROMETHEUS_MULTIPROC_DIR set (gunicorn's multiprocess mode, deploy/systemd/), the
    values every worker of this server wrote there; otherwise this process's `process_metrics`. `read_at_scrape`:
    collectors that compute their values when asked (from the database), the same in either mode."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for metric in process_metrics:
            registry.register(metric)
    for collector in read_at_scrape:
        registry.register(collector)
    return generate_latest(registry)
