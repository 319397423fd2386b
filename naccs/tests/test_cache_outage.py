"""Redis down: with REDIS_URL set and Debian's redis-server really stopped, login and the signed-in pages keep
working from the database, and the server logs a warning (issue 26 #3)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PASSWORD
from naccs.tests.helpers import database_url, free_port, real_clock_environment, wait_for_port
from naccs.tests.test_several_hosts import Browser, log_in, redis_url  # noqa: F401 - redis_url is a fixture

pytestmark = [pytest.mark.layout, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def portal(redis_url, tmp_path, test_ca):  # noqa: F811
    """One gunicorn with REDIS_URL set, against the test database; its base URL and its log file."""
    log = tmp_path / "gunicorn.log"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "CA_DIR": str(test_ca),
        "PYTHONPATH": str(ROOT),
        "VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "WARNING",
    }
    with log.open("wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "naccs.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stderr=stderr,
        )
    try:
        wait_for_port(port, server)
        yield f"http://127.0.0.1:{port}", log
    finally:
        server.terminate()
        server.wait()


def stop_redis(url: str) -> None:
    """Stop the real redis-server behind `url` (SHUTDOWN NOSAVE: the process exits, the port is closed)."""
    port = url.rsplit(":", 1)[1].split("/")[0]
    # Redis's own tools hang under libfaketime (make test-at), like redis-server: they keep the real clock.
    real_clock = real_clock_environment()
    subprocess.run(["redis-cli", "-p", port, "shutdown", "nosave"], capture_output=True, env=real_clock, timeout=30)
    result = subprocess.run(
        ["redis-cli", "-p", port, "ping"], capture_output=True, text=True, env=real_clock, timeout=30
    )
    assert "PONG" not in result.stdout, "redis-server still answers"


def test_with_redis_stopped_a_signed_in_user_keeps_working_and_a_new_login_succeeds(portal, redis_url, user):  # noqa: F811
    host, log = portal
    signed_in = Browser()
    log_in(signed_in, host, user.username)
    assert signed_in.get(f"{host}/")[0] == 200

    stop_redis(redis_url)

    status, _, html = signed_in.get(f"{host}/")  # the session, read from the database
    assert status == 200 and "ログアウト" in html
    newcomer = Browser()
    status, location, _ = newcomer.post(f"{host}/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert (status, location) == (302, "/")
    assert newcomer.get(f"{host}/")[0] == 200
    status, location, _ = newcomer.post(f"{host}/accounts/logout/", {}, form_page=f"{host}/")
    assert status == 302
    assert newcomer.get(f"{host}/")[0] == 302  # logged out: the database row is gone, whatever Redis held
    assert "cache unavailable, working from the database" in log.read_text()
    status, _, body = newcomer.get(f"{host}/readyz")  # still ready: Redis is reported, users are served without it
    assert status == 200 and json.loads(body)["checks"]["cache"]["ok"] is False
