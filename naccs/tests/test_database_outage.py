"""PostgreSQL really stopped and started under the running parts of the production layout (issue 26 #2 and #4): the
portal answers a Japanese 503 with Retry-After, OCSP answers tryLater and the CRL 503, and each recovers when the
database is back."""

import datetime
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp

from naccs.pki import ca, published
from naccs.tests import outage
from naccs.tests.test_several_hosts import Browser

pytestmark = pytest.mark.layout

DEMO_USER, DEMO_PASSWORD = "demo", "demo-pass-2026"  # load_demo_data's


@pytest.fixture(scope="module")
def cluster():
    """A PostgreSQL cluster of this module's own, migrated, with the demo data (and its CA); the environment of a
    process of the layout against it."""
    postgres = outage.ThrowawayPostgres()
    work = Path(tempfile.mkdtemp(prefix="naccs-outage-"))
    try:
        postgres.start()
        postgres.create_database()
        env = outage.environment(postgres.url, work / "ca", work / "var", LOG_LEVEL="WARNING")
        outage.manage(env, "migrate", "--no-input")
        outage.manage(env, "ca_create")
        outage.manage(env, "load_demo_data")
        # What the task worker does every minute: the delegated OCSP responder's certificate, the pre-signed answers
        # and the CRL, which the revocation responder only serves (it never opens the CA key).
        outage.manage(env, "shell", "-c", "from naccs.pki.tasks import refresh_revocation_data_task as t; t.call()")
        yield postgres, env, work
    finally:
        postgres.remove()


@pytest.fixture
def database(cluster):
    """The cluster, running again after each test whatever the test did to it."""
    postgres = cluster[0]
    yield postgres
    if not postgres.is_running():
        postgres.start()


def fetch(url: str, data: bytes | None = None, headers: dict | None = None, *, opener=None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=15) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def ocsp_request(ca_dir: Path, serial: int) -> bytes:
    """An OCSP request about `serial` as issued by our CA (RFC 6960 CertID: SHA-1 of the issuer's name and key)."""
    issuer = x509.load_pem_x509_certificate((ca_dir / ca.CERT_FILE).read_bytes())
    key = issuer.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        key_bits = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    else:
        key_bits = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    name_hash, key_hash = hashes.Hash(hashes.SHA1()), hashes.Hash(hashes.SHA1())
    name_hash.update(issuer.subject.public_bytes())
    key_hash.update(key_bits)
    builder = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        name_hash.finalize(), key_hash.finalize(), serial, hashes.SHA1()
    )
    return builder.build().public_bytes(serialization.Encoding.DER)


def test_with_the_database_stopped_a_signed_in_user_gets_the_japanese_retry_page(cluster, database, tmp_path):
    postgres, env, _ = cluster
    server, host = outage.gunicorn(env, "naccs.wsgi", tmp_path / "portal.log")
    try:
        browser = Browser()
        status, location, _ = browser.post(
            f"{host}/accounts/login/", {"username": DEMO_USER, "password": DEMO_PASSWORD}
        )
        assert (status, location) == (302, "/")

        postgres.stop()
        for page in ("/", "/contract/"):
            status, _, html = browser.get(f"{host}{page}")
            assert status == 503, page
            assert "ただいまシステムに接続できません" in html
        status, headers, _ = fetch(f"{host}/", opener=browser.opener)
        assert (status, headers.get("retry-after")) == (503, "30")
        status, _, _ = browser.post(f"{host}/accounts/login/", {"username": DEMO_USER, "password": DEMO_PASSWORD})
        assert status == 503
        # A load balancer tells which part is away: the process lives, it is not ready, for want of the database.
        assert fetch(f"{host}/healthz")[0] == 200
        status, _, body = fetch(f"{host}/readyz")
        assert status == 503 and not json.loads(body)["checks"]["database"]["ok"]

        postgres.start()
        status, _, html = browser.get(f"{host}/")
        assert status == 200 and "ログアウト" in html
        assert fetch(f"{host}/readyz")[0] == 200
    finally:
        outage.stop(server)


def test_with_the_database_stopped_ocsp_answers_try_later_and_the_crl_503(cluster, database, tmp_path):
    postgres, env, work = cluster
    server, responder = outage.gunicorn(env, "naccs.responder", tmp_path / "responder.log", "-k", "asgi")
    try:
        question = ocsp_request(work / "ca", serial=0x1234567890ABCDEF)
        ocsp_headers = {"Content-Type": "application/ocsp-request"}
        status, _, body = fetch(f"{responder}/pki/ocsp", question, ocsp_headers)
        assert status == 200 and ocsp.load_der_ocsp_response(body).response_status == ocsp.OCSPResponseStatus.SUCCESSFUL

        postgres.stop()
        time.sleep(published.RECENT_SECONDS)  # the CRL read at start-up (warm_up) is no longer kept in memory
        other_question = ocsp_request(work / "ca", serial=0x0FEDCBA987654321)  # not among the answers just given
        status, _, body = fetch(f"{responder}/pki/ocsp", other_question, ocsp_headers)
        assert status == 200
        assert ocsp.load_der_ocsp_response(body).response_status == ocsp.OCSPResponseStatus.TRY_LATER
        status, headers, _ = fetch(f"{responder}/pki/crl")
        assert status == 503 and headers.get("retry-after")

        postgres.start()
        time.sleep(published.RECENT_SECONDS)  # the tryLater just given is kept as long as any answer
        status, _, body = fetch(f"{responder}/pki/ocsp", other_question, ocsp_headers)
        assert ocsp.load_der_ocsp_response(body).response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
        assert fetch(f"{responder}/pki/crl")[0] == 200
    finally:
        outage.stop(server)


OUTAGE_SECONDS = float(os.environ.get("NACCS_OUTAGE_SECONDS", "6"))  # bench/README.md measures 30


def ticks(log: Path) -> int:
    """The scheduler's ticks so far (with -v 2, each tick prints what it enqueued: always deliver_due_mail)."""
    return log.read_text().count("deliver_due_mail") if log.exists() else 0


def tasks_finished_since(env: dict, moment: datetime.datetime) -> int:
    script = (
        "from django_tasks_db.models import DBTaskResult; import datetime; "
        f"print(DBTaskResult.objects.filter(finished_at__gte=datetime.datetime.fromisoformat('{moment.isoformat()}'))"
        ".count())"
    )
    return int(outage.manage(env, "shell", "-v", "0", "-c", script).strip().splitlines()[-1])


def test_the_scheduler_and_two_workers_outlive_a_database_outage_and_a_quick_restart(cluster, database, tmp_path):
    postgres, env, _ = cluster
    env = {**env, "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "scheduler.log"
    scheduler = outage.start(env, [sys.executable, "manage.py", "run_scheduler", "--interval", "1", "-v", "2"], log)
    worker_command = [
        sys.executable,
        "manage.py",
        "run_worker",
        "--no-reload",
        "--no-startup-delay",
        "--interval",
        "0.2",
    ]
    workers = [outage.start(env, worker_command, tmp_path / f"worker-{n}.log") for n in (1, 2)]
    processes = [scheduler, *workers]
    try:
        assert outage.wait_until(lambda: ticks(log) >= 2, 30), log.read_text()

        postgres.stop()
        time.sleep(OUTAGE_SECONDS)
        assert [process.poll() for process in processes] == [None, None, None], "a part exited during the outage"
        postgres.start()
        back = time.monotonic()
        since = datetime.datetime.now(datetime.UTC)
        seen = ticks(log)
        assert outage.wait_until(lambda: ticks(log) > seen, 30), log.read_text()
        print(f"\nscheduler ticked again {time.monotonic() - back:.1f} s after a {OUTAGE_SECONDS:.0f} s outage ended")
        # The workers run what the scheduler enqueues after the outage.
        assert outage.wait_until(lambda: tasks_finished_since(env, since) >= 2, 30)

        # A restart of under a second, between two ticks: no tick may be left on a dead connection.
        postgres.stop()
        postgres.start()
        since = datetime.datetime.now(datetime.UTC)
        seen = ticks(log)
        assert outage.wait_until(lambda: ticks(log) >= seen + 3, 30), log.read_text()
        assert outage.wait_until(lambda: tasks_finished_since(env, since) >= 2, 30)
        assert [process.poll() for process in processes] == [None, None, None]
    finally:
        for process in processes:
            outage.stop(process)


def test_two_schedulers_ticking_side_by_side_enqueue_each_daily_job_once(cluster, database, tmp_path):
    """The production layout runs a scheduler on each host: every daily job is still enqueued once a day."""
    _, env, _ = cluster
    env = {**env, "PYTHONUNBUFFERED": "1", "MORNING_RUN_TIME": "00:00"}  # every daily job is due at once
    logs = [tmp_path / "scheduler-a.log", tmp_path / "scheduler-b.log"]
    schedulers = [
        outage.start(env, [sys.executable, "manage.py", "run_scheduler", "--interval", "0.2", "-v", "2"], log)
        for log in logs
    ]
    try:
        assert outage.wait_until(lambda: all(ticks(log) >= 10 for log in logs), 60)
    finally:
        for scheduler in schedulers:
            outage.stop(scheduler)
    script = (
        "import collections, json; from django_tasks_db.models import DBTaskResult; "
        "paths = DBTaskResult.objects.values_list('task_path', flat=True); "
        "print(json.dumps(collections.Counter(path.rsplit('.', 1)[1] for path in paths)))"
    )
    counts = json.loads(outage.manage(env, "shell", "-v", "0", "-c", script).strip().splitlines()[-1])
    for daily in ("daily_reminders_task", "prune_task", "prune_task_results_task"):
        assert counts.get(daily) == 1, counts
    assert counts.get("morning_run_task", 0) <= 1, counts  # once on a business day, not at all on another
