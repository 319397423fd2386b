"""Our pages served by two versions of the code at once: which one is faster, on this noisy machine.

    uv run python bench/compare_pages.py BASE_REF [--only 確認画面] [--rounds 12] [--duration 2]

bench/pages.py compares a page with the bare view; between two runs of it, hours apart, this machine's speed drifts
more than most changes weigh. Here gunicorn serves the working tree and, from a git worktree, BASE_REF on two ports,
each on a database of its own migrated and filled by its own code (the demo data and bench/fixtures.py's pages, so
two versions with different migrations compare too), sharing one redis-server, and wrk drives each page on one then
the other in alternating order, round after round. Prints the medians of requests/s and of the
servers' CPU time per request (user + system of the workers, which a neighbour's load on the host does not add to),
and the median and range of the ratio working tree / BASE_REF.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness
from bench.harness import ROOT, page_targets, prepared_environment, run_wrk, start_gunicorn

BASE_PORT, OURS_PORT = 8781, 8782
PG_PORT = 25441  # or the next free one (harness.free_port)
WARM_UP_SECONDS = 2


def workers_cpu_seconds(server: subprocess.Popen) -> float:
    children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    ticks = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def measured_run(server: subprocess.Popen, url: str, cookie: str | None, args) -> tuple[float, float]:
    """(requests/s, the workers' CPU microseconds per request) of one wrk run."""
    before = workers_cpu_seconds(server)
    figures = run_wrk(url, cookie, args.duration, args.connections)
    return figures["rps"], (workers_cpu_seconds(server) - before) / figures["requests"] * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base_ref", help="the git commit, branch or tag to compare the working tree with")
    parser.add_argument("--duration", type=int, default=2, help="seconds of each run (default 2)")
    parser.add_argument("--rounds", type=int, default=12, help="rounds of one run on each server (default 12)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", help="measure only the pages whose label contains this")
    args = parser.parse_args()
    harness.require_wrk()
    harness.ensure_postgres(PG_PORT)

    base_tree = Path(tempfile.mkdtemp(prefix="naccs-base-"))
    subprocess.run(["git", "worktree", "add", "--detach", "--force", str(base_tree), args.base_ref], cwd=ROOT,
                   check=True, capture_output=True)  # fmt: skip
    base_var, base_env = prepared_environment(
        prefix="naccs-compare-base-", steps=f"{args.base_ref}: demo data", database="naccs_bench_base", root=base_tree
    )
    ours_var, ours_env = prepared_environment(prefix="naccs-compare-", steps="working tree: demo data")
    servers = []
    try:
        with harness.shared_cache(ours_env) as ours_env:
            base_env = {**base_env, "REDIS_URL": ours_env.get("REDIS_URL", "")}
            base_targets = page_targets(base_env, base_tree)
            ours_targets = page_targets(ours_env)
            servers = [start_gunicorn(base_env, BASE_PORT, base_tree), start_gunicorn(ours_env, OURS_PORT)]
            compare(servers, base_targets, ours_targets, args)
    finally:
        for server in servers:
            harness.stop(server)
        for var_dir in (base_var, ours_var):
            shutil.rmtree(var_dir, ignore_errors=True)
        subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT, check=False)


def compare(servers, base_targets: dict, ours_targets: dict, args) -> None:
    """Each page that both versions serve, driven on one then the other, alternating which goes first."""
    base, ours = servers
    print(f"{'page':<28} {args.base_ref[:12]:>12} req/s, CPU µs/req   working tree req/s, CPU µs/req   "
          "ratio (range)", flush=True)  # fmt: skip
    for label, (path, cookie) in ours_targets.items():
        if (args.only and args.only not in label) or label not in base_targets:
            continue
        base_path, base_cookie = base_targets[label]
        requests = {
            base: (f"http://127.0.0.1:{BASE_PORT}{base_path}", base_cookie),
            ours: (f"http://127.0.0.1:{OURS_PORT}{path}", cookie),
        }
        for server in servers:
            run_wrk(*requests[server], WARM_UP_SECONDS, args.connections)
        runs = {base: [], ours: []}
        for round_number in range(args.rounds):
            for server in servers if round_number % 2 == 0 else reversed(servers):
                runs[server].append(measured_run(server, *requests[server], args))
        ratios = [mine[0] / theirs[0] for mine, theirs in zip(runs[ours], runs[base], strict=True)]
        columns = [
            f"{median(rps for rps, _ in runs[server]):8.1f}, {median(cpu for _, cpu in runs[server]):6.0f}"
            for server in servers
        ]
        print(f"{label:<28} {columns[0]:>28}   {columns[1]:>30}   {median(ratios):.3f} "
              f"({min(ratios):.2f}–{max(ratios):.2f})", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
