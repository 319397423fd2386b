"""A PostgreSQL cluster of a test's own, to stop and start under running servers and workers (issue 26: faults are
caused, not imagined), and the processes of the production layout started against it."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from naccs.tests.helpers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


def postgres_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name))
    if not versions:
        raise RuntimeError("PostgreSQL is missing (Debian's postgresql; `make test` installs it)")
    return versions[-1]


def as_postgres(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root (scripts/with-test-postgres does the same).
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command


class ThrowawayPostgres:
    """initdb in a temporary directory, a free port on 127.0.0.1, trust authentication; `stop()` and `start()` are
    pg_ctl's (fast shutdown: every connection is cut, as when the database host goes away)."""

    def __init__(self):
        self.bin = postgres_bin()
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="naccs-outage-pg-"))
        if os.getuid() == 0:
            shutil.chown(self.directory, "postgres")
        self.data = self.directory / "data"
        subprocess.run(
            as_postgres(
                [str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"]
            ),
            check=True,
            capture_output=True,
        )
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/naccs"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            as_postgres(
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.directory / "log"),
                    "-w",
                    "-o",
                    options,
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )

    def is_running(self) -> bool:
        status = subprocess.run(
            as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "status"]), capture_output=True
        )
        return status.returncode == 0

    def stop(self) -> None:
        subprocess.run(
            as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
            check=True,
            capture_output=True,
        )

    def create_database(self) -> None:
        subprocess.run(
            as_postgres(
                [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "naccs"]
            ),
            check=True,
            capture_output=True,
        )

    def remove(self) -> None:
        subprocess.run(
            as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


def environment(database_url: str, ca_dir: Path, var_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CA_DIR": str(ca_dir),
        "VAR_DIR": str(var_dir),
        "PYTHONPATH": str(ROOT),
        "DJANGO_DEBUG": "1",
        **extra,
    }


def manage(env: dict[str, str], *arguments: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def start(env: dict[str, str], command: list[str], log: Path, *, port: int | None = None) -> subprocess.Popen:
    """A long-running process of the layout (gunicorn, a worker, the scheduler), its output in `log`."""
    with log.open("ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    if port is not None:
        wait_for_port(port, process)
    return process


def gunicorn(env: dict[str, str], application: str, log: Path, *options: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", application, "--workers", "1", "--bind", f"127.0.0.1:{port}"]
    return start(env, [*command, *options], log, port=port), f"http://127.0.0.1:{port}"


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(condition, seconds: float, step: float = 0.2):
    """The first true value of `condition()` within `seconds`, else None."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(step)
    return None


def db_worker(env: dict[str, str], log: Path, *options: str) -> subprocess.Popen:
    """A task worker (`manage.py db_worker`) that polls every 0.1 s."""
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"]
    return start(env, [*command, *options], log)


def worker_killed_when(env: dict[str, str], log: Path, condition, *, seconds: float = 60) -> None:
    """Start a task worker and SIGKILL it as soon as `condition()` holds (in the middle of its task)."""
    worker = db_worker(env, log)
    try:
        if not wait_until(condition, seconds, step=0.01):
            raise AssertionError(f"the worker did not get far enough in {seconds} s: {log.read_text()[-2000:]}")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        worker.kill()


def batch_workers(env: dict[str, str], log: Path, count: int = 1, *, seconds: float = 120) -> None:
    """`count` task workers at once, each running until the queue is empty (`--batch`); each must exit cleanly."""
    workers = [db_worker(env, log, "--batch") for _ in range(count)]
    try:
        for worker in workers:
            assert worker.wait(seconds) == 0, log.read_text()[-4000:]
    finally:
        for worker in workers:
            worker.kill()
