"""The benchmarks' plumbing, written once: PostgreSQL, redis-server, gunicorn and nginx as the benchmarks need them,
each on a port outside Linux's ephemeral range (32768-60999: a port there may be held by any outgoing connection,
as after a load test) or, when that is taken, the next free one; each waited for with a time limit, and an error
that names the server and its log when it does not come up.

Every benchmark imports what it uses from here.
"""

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Ports the benchmarks prefer: below Linux's ephemeral range (ip_local_port_range 32768-60999).
PORTS = range(20000, 32768)
BENCH_DB = "naccs_bench"
READY_SECONDS = 60
SECRET_KEY = "bench-only-secret-key-" + "k3y" * 16
CA_PASSPHRASE = "bench-only-ca-passphrase"


class ServerDidNotStart(SystemExit):
    """A server the benchmark needs did not come up in time: the message names it and its log."""


def free_port(preferred: int) -> int:
    """`preferred` if nothing listens there and it is free to bind, else the next such port in PORTS."""
    above, below = (port for port in PORTS if port > preferred), (port for port in PORTS if port < preferred)
    for port in [preferred, *above, *below]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise ServerDidNotStart(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def log_tail(log: Path | None, lines: int = 20) -> str:
    if log is None or not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def wait_for_port(port: int, *, name: str, log: Path | None = None, process: subprocess.Popen | None = None,
                  url: str | None = None, seconds: float = READY_SECONDS) -> None:  # fmt: skip
    """Until something listens on 127.0.0.1:`port` (and `url`, if given, answers at all: any HTTP status will do).
    Fails at once when `process` has exited, else after `seconds`, naming `name` and the end of `log`."""
    deadline = time.monotonic() + seconds
    while True:
        if process is not None and process.poll() is not None:
            problem = f"exited with status {process.returncode}"
            break
        if time.monotonic() > deadline:
            problem = f"did not answer within {seconds:.0f} s"
            break
        if answers(port, url):
            return
        time.sleep(0.1)
    where = f" (its log: {log})" if log else ""
    raise ServerDidNotStart(f"{name} on 127.0.0.1:{port} {problem}{where}\n{log_tail(log)}")


def answers(port: int, url: str | None) -> bool:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) != 0:
            return False
    if url is None:
        return True
    try:
        urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own server on 127.0.0.1
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False
    return True


def start(command: list[str], *, env: dict, log: Path, cwd: Path = ROOT, own_group: bool = True) -> subprocess.Popen:
    """`command` with its output in `log`; in a process group of its own (`own_group`), so that stop() ends its
    children too."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        return subprocess.Popen(
            command, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, start_new_session=own_group
        )


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, seconds: float = 15) -> None:
    """End `process` and its process group, if it leads one, with `sig`; SIGKILL after `seconds`."""
    for signal_number in (sig, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(process.pid) == process.pid:
                os.killpg(process.pid, signal_number)
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal_number)
        try:
            process.wait(seconds)
            return
        except subprocess.TimeoutExpired:
            continue


# PostgreSQL: the script re-runs itself inside scripts/with-test-postgres (which waits for the cluster and names its
# log when it does not start) on BENCH_PG_PORT, else on its own preferred port or the next free one, unless
# BENCH_DATABASE_URL names a database to use instead.


def ensure_postgres(preferred_port: int) -> None:
    if os.environ.get("BENCH_DATABASE_URL") or os.environ.get("BENCH_UNDER_PG"):
        return
    port = os.environ.get("BENCH_PG_PORT") or str(free_port(preferred_port))
    env = {**os.environ, "PG_TEST_PORT": port, "BENCH_UNDER_PG": "1"}
    script = ROOT / "scripts" / "with-test-postgres"
    os.execvpe(str(script), [str(script), sys.executable, *sys.argv], env)


def database_url(name: str) -> str:
    """BENCH_DATABASE_URL, else the database `name` in the cluster that with-test-postgres started."""
    return os.environ.get("BENCH_DATABASE_URL") or os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name


def recreate_database(name: str) -> None:
    import psycopg

    admin_url = database_url(name).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")


# Django: in this process (setup_django), or in child processes (django_env, manage).


def django_env(var_dir: str, database: str = BENCH_DB) -> dict:
    """The environment of a child process with production settings (no query log, as on a real server) and the
    benchmark's URLs (bench.settings)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(database),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "CA_PASSPHRASE": CA_PASSPHRASE,
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DB_CONN_MAX_AGE": "600",
        "VAR_DIR": var_dir,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def setup_django(var_dir: Path, database_url: str | None = None, **settings_env: str) -> dict:
    """Django in this process with production settings, VAR_DIR `var_dir`, `database_url` (default: a SQLite file in
    VAR_DIR) and `settings_env`; migrated. Returns the environment it set, for the servers the benchmark starts."""
    env = {
        "VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "naccs.settings",
        "LOG_LEVEL": "WARNING",
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "CA_PASSPHRASE": CA_PASSPHRASE,
        **settings_env,
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


@cache
def python_for(root: Path) -> str:
    """The Python of the code under `root`: ours, or one made from that tree's own uv.lock (another commit may need
    other packages)."""
    if root == ROOT:
        return sys.executable
    uv = shutil.which("uv") or f"{sys.executable} -m uv"
    subprocess.run([*uv.split(), "sync", "--frozen", "--quiet"], cwd=root, check=True)
    return str(root / ".venv" / "bin" / "python")


def output_of(command: list[str], *, env: dict, cwd: Path = ROOT) -> str:
    """The standard output of `command`; when it fails, stops the benchmark with the end of its error output."""
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{' '.join(command)} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return result.stdout


def manage(env: dict, *args: str, root: Path = ROOT) -> str:
    """manage.py of the code under `root` (the working tree, or another commit's worktree)."""
    return output_of([python_for(root), "manage.py", *args], env={**env, "PYTHONPATH": str(root)}, cwd=root)


def prepared_environment(*, prefix: str, steps: str, database: str = BENCH_DB, root: Path = ROOT) -> tuple[str, dict]:
    """A fresh database and VAR_DIR, migrated by the code under `root` with static files collected; returns
    (var_dir, environment)."""
    var_dir = tempfile.mkdtemp(prefix=prefix)
    env = django_env(var_dir, database)
    if not os.environ.get("BENCH_DATABASE_URL"):
        recreate_database(database)
    print(f"preparing: migrate, collectstatic, {steps} …", flush=True)
    manage(env, "migrate", "--no-input", "-v0", root=root)
    manage(env, "collectstatic", "--no-input", "-v0", root=root)
    return var_dir, env


def load_demo_data(env: dict, root: Path = ROOT) -> None:
    """The demo's companies, users and 申込: its command exists only with DJANGO_DEBUG=1 (naccs.settings), the
    servers then serve them with production settings."""
    manage({**env, "DJANGO_DEBUG": "1"}, "load_demo_data", root=root)


def page_targets(env: dict, root: Path = ROOT) -> dict[str, tuple[str, str]]:
    """The demo data and bench.fixtures' pages under the code of `root`: label → (path, cookie)."""
    load_demo_data(env, root)
    lines = manage(env, "shell", "-c", "from bench.fixtures import prepare; prepare()", root=root).splitlines()
    return {
        label: (path, cookie) for label, path, cookie in (line.split("\t") for line in lines if line.count("\t") == 2)
    }


# The servers.


@contextlib.contextmanager
def shared_cache(env: dict, preferred_port: int = 26380):
    """`env` with a throw-away Debian redis-server as the shared cache (REDIS_URL), as several web hosts use it;
    without redis-server the servers keep sessions in the database only."""
    server_binary = shutil.which("redis-server")
    if server_binary is None:
        print("redis-server is missing: sessions are read from the database", flush=True)
        yield env
        return
    directory = Path(tempfile.mkdtemp(prefix="naccs-redis-"))
    port = int(os.environ.get("BENCH_REDIS_PORT") or free_port(preferred_port))
    log = directory / "redis.log"
    server = start(
        [server_binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory)],
        env=os.environ.copy(), log=log,
    )  # fmt: skip
    try:
        wait_for_port(port, name="redis-server", log=log, process=server)
        yield {**env, "REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    finally:
        stop(server)
        shutil.rmtree(directory, ignore_errors=True)


def start_gunicorn(env: dict, port: int, root: Path = ROOT, *, application: str = "naccs.wsgi", workers: int = 2,
                   options: tuple = (), ready_path: str | None = "/accounts/login/") -> subprocess.Popen:  # fmt: skip
    """gunicorn with `workers` on 127.0.0.1:`port` serving `application` from the code under `root` (by default the
    portal; `options` such as a worker class), settings from `env`, its log in VAR_DIR; waits until `ready_path`
    answers (None: until the port is open)."""
    log = Path(env.get("VAR_DIR") or tempfile.mkdtemp(prefix="naccs-bench-")) / f"gunicorn-{port}.log"
    server = start(
        [python_for(root), "-m", "gunicorn", application, *options, "--workers", str(workers), "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning"],
        env={**env, "PYTHONPATH": str(root)}, log=log, cwd=root,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}{ready_path}" if ready_path else None
    try:
        wait_for_port(port, name=f"gunicorn {application}", log=log, process=server, url=url)
    except BaseException:
        stop(server)
        raise
    return server


@contextlib.contextmanager
def serving(env: dict, port: int, **options):
    """start_gunicorn(env, port, **options) for the time of the block; its base URL."""
    server = start_gunicorn(env, port, **options)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(server)


# The settings of a portal behind portal_behind_nginx: the secret nginx proves itself with, and its host names.
BEHIND_NGINX = {"TLS_PROXY_SECRET": secrets.token_hex(16), "ALLOWED_HOSTS": "127.0.0.1,localhost"}


@contextlib.contextmanager
def portal_behind_nginx(env: dict, var_dir: Path, port: int):
    """gunicorn (2 workers) on `port` behind scripts/serve-tls' nginx on `port` + 1 (HTTPS, which it yields) and
    `port` + 2 (its plain-HTTP listener, so that two benchmarks run side by side); stopped after."""
    app_port, https_port, http_port = port, port + 1, port + 2
    with contextlib.ExitStack() as servers:
        gunicorn = start_gunicorn({**os.environ, **env}, app_port, ready_path=None)
        servers.callback(stop, gunicorn)
        log = var_dir / "nginx.log"
        nginx = start(
            [str(ROOT / "scripts/serve-tls")],
            env={**os.environ, **env, "HTTPS_HOST": "127.0.0.1", "HTTPS_PORT": str(https_port),
                 "HTTP_PORT": str(http_port), "APP_ADDRESS": f"127.0.0.1:{app_port}", "PYTHON": sys.executable},
            log=log,
        )  # fmt: skip
        servers.callback(stop, nginx)
        # Both listeners: nginx opens them one by one, and gives up on all when one cannot be bound.
        for listener in (http_port, https_port):
            wait_for_port(listener, name="nginx (scripts/serve-tls)", log=log, process=nginx)
        yield https_port


def serving_responder(env: dict, port: int, workers: int = 2):
    """The revocation responder as production runs it (README.md): gunicorn's asyncio worker, keep-alive."""
    return serving(env, port, application="naccs.responder", workers=workers, options=("--worker-class", "asgi"),
                   ready_path="/pki/crl")  # fmt: skip


def run_wrk(url: str, cookie: str | None, duration: int, connections: int) -> dict:
    """wrk -t2 for `duration` seconds with bench/p95.lua: requests, errors, p50_us, p95_us, duration_us and rps."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", str(ROOT / "bench" / "p95.lua"), url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    match = re.search(r"BENCH (.*)", output)
    figures = {key: int(value) for key, value in (pair.split("=") for pair in match.group(1).split())}
    if not figures["p95_us"]:
        raise SystemExit(f"wrk: no answer from {url} within its {duration} s run (the machine too busy?)")
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def require_wrk() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
