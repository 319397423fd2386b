"""The app on its unix socket (scripts/serve-app-socket, issue 24 #1): only the TLS proxy's group reaches it."""

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts/serve-app-socket"
PROXY_GID = 4242  # the proxy's group in these tests: nobody else is in it (it need not be named in /etc/group)
NOBODY = 65534
# A client in its own process, run as `nobody` with the groups the test gives it (the system Python: `nobody` may not
# read this checkout's virtualenv).
CLIENT = """
import socket, sys
client = socket.socket(socket.AF_UNIX)
try:
    client.connect(sys.argv[1])
except PermissionError:
    print("refused")
    sys.exit()
client.sendall(b"GET /favicon.ico HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n")
print(client.recv(200).split(b"\\r\\n")[0].decode())
"""

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not Path("/usr/bin/python3").exists(),
    reason="runs a client as another user and group (root, as make test runs)",
)


@pytest.fixture
def base():
    """A directory every user may pass through, as /run is: the boundary is the socket's own directory."""
    path = Path(tempfile.mkdtemp(prefix="naccs-socket-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def environment(socket_path, var_dir) -> dict:
    return {**os.environ, "APP_SOCKET": str(socket_path), "PROXY_GROUP": str(PROXY_GID), "PYTHON": sys.executable,
            "VAR_DIR": str(var_dir), "LOG_LEVEL": "WARNING"}  # fmt: skip


def client_as_nobody(socket_path, *, groups) -> str:
    result = subprocess.run(
        ["/usr/bin/python3", "-c", CLIENT, str(socket_path)],
        user=NOBODY, group=NOBODY, extra_groups=groups, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return result.stdout.strip() or result.stderr


def test_only_the_proxys_group_connects_to_the_app(base, tmp_path):
    socket_path = base / "run" / "app.sock"
    server = subprocess.Popen(
        [str(SCRIPT), "--workers", "1"], env=environment(socket_path, tmp_path), cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not socket_path.exists():
            assert server.poll() is None and time.monotonic() < deadline, "the app did not bind its socket"
            time.sleep(0.05)
        directory = socket_path.parent.stat()
        assert stat.S_IMODE(directory.st_mode) == 0o2750 and directory.st_gid == PROXY_GID
        assert client_as_nobody(socket_path, groups=[PROXY_GID]).endswith("301 Moved Permanently")
        assert client_as_nobody(socket_path, groups=[]) == "refused"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)


def test_it_refuses_a_socket_directory_that_others_may_enter(base, tmp_path):
    directory = base / "run"
    directory.mkdir()
    directory.chmod(0o755)
    os.chown(directory, -1, PROXY_GID)
    result = subprocess.run(
        [str(SCRIPT)], env=environment(directory / "app.sock", tmp_path), cwd=ROOT, capture_output=True, text=True,
        timeout=30,
    )  # fmt: skip
    assert result.returncode == 1
    assert "モード 2750" in result.stderr
    assert not (directory / "app.sock").exists()
