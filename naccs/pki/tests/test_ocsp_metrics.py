"""Issue 26 #11: OCSP answers counted by status in the Prometheus metrics: the portal's fast path in the portal's
/metrics, the revocation responder (a server of its own, several workers) in its own /metrics."""

import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client

from naccs.center.tests.test_metrics import sample
from naccs.pki import revocation
from naccs.terminals.models import Certificate
from naccs.tests import outage
from naccs.tests.helpers import database_url, uncertified_terminal

from .conftest import PRODUCTION_RECENT_SECONDS, certify, the_worker_runs
from .test_prepared import request_for

pytestmark = pytest.mark.layout

STATUSES = ("good", "revoked", "unknown", "malformedRequest", "tryLater")


@pytest.fixture
def good_and_revoked(company):
    good = certify(uncertified_terminal(company, "11110A"), age_days=10)
    revoked = certify(uncertified_terminal(company, "11110B"), age_days=10)
    revocation.revoke_certificate(certificate=revoked, reason=Certificate.RevocationReason.KEY_COMPROMISE)
    return good, revoked


def never_issued(certificate) -> bytes:
    """A request for a serial this CA never issued (the serial's last octet is the request's last)."""
    der = request_for(certificate)
    return der[:-1] + bytes([der[-1] ^ 0x01])


def counts(text: str) -> dict[str, float]:
    return {status: sample(text, "naccs_ocsp_responses_total", status=status) or 0 for status in STATUSES}


@pytest.mark.django_db
def test_the_portal_counts_its_ocsp_answers_by_status(good_and_revoked):
    good, revoked = good_and_revoked
    the_worker_runs()
    client = Client()
    before = counts(client.get("/metrics").content.decode())
    for der in (request_for(good), request_for(good), request_for(revoked), never_issued(good), b"not OCSP"):
        assert client.post("/pki/ocsp", der, content_type="application/ocsp-request").status_code == 200
    after = counts(client.get("/metrics").content.decode())
    assert {status: after[status] - before[status] for status in STATUSES} == {
        "good": 2, "revoked": 1, "unknown": 1, "malformedRequest": 1, "tryLater": 0,
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_responder_counts_in_every_worker_and_its_scrape_has_them_all(good_and_revoked, test_ca, tmp_path):
    good, revoked = good_and_revoked
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = outage.environment(
        database_url(), test_ca, tmp_path / "var", LOG_LEVEL="ERROR", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)
    )
    server, url = outage.gunicorn(
        env, "naccs.responder", tmp_path / "responder.log", "-k", "asgi", "-c", "deploy/gunicorn/naccs.conf.py",
        "--workers", "2",
    )  # fmt: skip

    def ask(der: bytes) -> int:
        request = urllib.request.Request(
            f"{url}/pki/ocsp", data=der, headers={"Content-Type": "application/ocsp-request"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status

    try:
        assert ask(request_for(good)) == 200  # before the worker published the responder's key: tryLater
        the_worker_runs()
        time.sleep(PRODUCTION_RECENT_SECONDS)  # the responder keeps its answers (the tryLater too) this long
        questions = [request_for(good)] * 20 + [request_for(revoked)] * 10 + [never_issued(good)] * 5
        with ThreadPoolExecutor(max_workers=6) as clients:  # several at once, so that both workers answer some
            assert set(clients.map(ask, questions)) == {200}
        files = list(metrics_dir.glob("counter_*.db"))
        with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
            text = response.read().decode()
    finally:
        outage.stop(server)
    assert counts(text) == {"good": 20, "revoked": 10, "unknown": 5, "malformedRequest": 0, "tryLater": 1}
    assert len(files) == 2  # each worker wrote its own counts; the scrape summed them
