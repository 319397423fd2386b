"""Debian's nginx in front of the app on its unix socket (scripts/serve-app-socket, issue 24 #1): the deployment
where no other local process reaches the app."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from naccs.tests.helpers import database_url

from .conftest import ROOT, tls_proxy
from .est_helpers import PROXY_SECRET

NGINX_WORKERS_GID = 65534  # nogroup: nginx's workers when its master runs as root without a `user` directive

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="needs nginx"),
    pytest.mark.skipif(os.geteuid() != 0, reason="makes a directory of nginx's group (root, as make test runs)"),
]


def test_nginx_reaches_the_app_over_its_socket(session_ca_dir, tmp_path):
    base = Path(tempfile.mkdtemp(prefix="naccs-socket-"))
    base.chmod(0o755)  # as /run: the boundary is the socket's own directory
    socket_path = base / "run" / "app.sock"
    env = {**os.environ, "APP_SOCKET": str(socket_path), "PROXY_GROUP": str(NGINX_WORKERS_GID),
           "PYTHON": sys.executable, "VAR_DIR": str(tmp_path / "var"), "CA_DIR": str(session_ca_dir),
           "DATABASE_URL": database_url(), "TLS_PROXY_SECRET": PROXY_SECRET, "LOG_LEVEL": "WARNING"}  # fmt: skip
    app = subprocess.Popen(
        [str(ROOT / "scripts/serve-app-socket"), "--workers", "1"], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not socket_path.exists():
            assert app.poll() is None and time.monotonic() < deadline, "the app did not bind its socket"
            time.sleep(0.05)
        with tls_proxy(tmp_path / "nginx", session_ca_dir, app_address=f"unix:{socket_path}") as url:
            answer = subprocess.run(
                ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert",
                 str(tmp_path / "nginx/tls/client-ca.pem"), f"{url}/favicon.ico"],
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
        assert answer.stdout == "301", answer.stderr
    finally:
        os.killpg(app.pid, signal.SIGTERM)
        app.wait(10)
        shutil.rmtree(base)
