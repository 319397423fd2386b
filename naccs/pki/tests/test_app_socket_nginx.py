"""Debian's nginx in front of the app on its unix socket (scripts/serve-app-socket, issue 24 #1): the deployment
where no other local process reaches the app, and the proxy is still believed."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from naccs.terminals.models import Certificate
from naccs.tests.helpers import database_url, uncertified_terminal

from .conftest import ROOT, tls_proxy
from .est_helpers import PROXY_SECRET
from .test_est_nginx import curl, holding, make_request, reenroll

NGINX_WORKERS_GID = 65534  # nogroup: nginx's workers when its master runs as root without a `user` directive

pytestmark = [
    pytest.mark.layout,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="needs nginx"),
    pytest.mark.skipif(os.geteuid() != 0, reason="makes a directory of nginx's group (root, as make test runs)"),
]


@contextlib.contextmanager
def app_on_socket(socket_path, ca_dir, var_dir):
    """scripts/serve-app-socket (gunicorn, one worker) against this test's database, until its socket exists."""
    env = {**os.environ, "APP_SOCKET": str(socket_path), "PROXY_GROUP": str(NGINX_WORKERS_GID),
           "PYTHON": sys.executable, "VAR_DIR": str(var_dir), "CA_DIR": str(ca_dir),
           "CA_PASSPHRASE": settings.CA_PASSPHRASE, "DATABASE_URL": database_url(),
           "TLS_PROXY_SECRET": PROXY_SECRET, "LOG_LEVEL": "WARNING"}  # fmt: skip
    app = subprocess.Popen(
        [str(ROOT / "scripts/serve-app-socket"), "--workers", "1"], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not socket_path.exists():
            assert app.poll() is None and time.monotonic() < deadline, "the app did not bind its socket"
            time.sleep(0.05)
        yield
    finally:
        os.killpg(app.pid, signal.SIGTERM)
        app.wait(10)


@pytest.fixture
def proxied(session_ca_dir, tmp_path):
    """nginx (scripts/serve-tls) in front of the app on its socket; the socket in a directory anyone may pass
    through, as /run: the boundary is the socket's own directory."""
    base = Path(tempfile.mkdtemp(prefix="naccs-socket-"))
    base.chmod(0o755)
    socket_path = base / "run" / "app.sock"
    try:
        with (
            app_on_socket(socket_path, session_ca_dir, tmp_path / "var"),
            tls_proxy(tmp_path / "nginx", session_ca_dir, app_address=f"unix:{socket_path}") as url,
        ):
            shutil.copy(tmp_path / "nginx/tls/client-ca.pem", tmp_path / "ca.pem")
            yield SimpleNamespace(url=url, workdir=tmp_path)
    finally:
        shutil.rmtree(base)


def test_nginx_reaches_the_app_over_its_socket(proxied):
    assert curl(proxied.workdir, f"{proxied.url}/favicon.ico", certificate=None)[0] == 301


def test_the_proxy_is_believed_over_the_socket_a_terminal_renews_by_est(proxied, company):
    """The app believes nginx's client-certificate header only from the proxy (naccs/lib/client_address.py): over the
    socket gunicorn gives no peer address, and the socket is the proxy's."""
    current = holding(uncertified_terminal(company), proxied.workdir, age_days=350)
    make_request(proxied.workdir)
    status, answer = reenroll(proxied.workdir, proxied)
    assert status == 200, answer.decode()
    current.refresh_from_db()
    assert current.revocation_reason == Certificate.RevocationReason.SUPERSEDED
