"""Benchmark: start-up of the CLI and of ``xinyong serve`` (issue 21), wall time and the process's own CPU time.

    .venv/bin/python bench/startup.py --runs 5

For each run, in a fresh interpreter as a user types them (the installed ``xinyong`` entry point, byte code compiled):
``xinyong uscc validate CODE``, ``xinyong workdays add DATE N --builtin`` and ``xinyong workdays add DATE N`` (the
office's table, SQLite), then ``xinyong serve`` on a free port with a fresh SQLite database (migrated first;
background tick on, as deployed) polled every 20 ms until ``/healthz`` answers 200: wall time from the start to that
answer, and the server's CPU time at that moment (``/proc/<pid>/stat``). On a shared machine the wall time is mostly
waiting for a core, so the CPU time is the figure closest to a quiet machine's wall time. Targets (issue 21): the two
CLI commands under 0.5 s, ``/healthz`` within 3 s of start. Prints medians and ranges and ends with one JSON line
(with the load average).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CODE = "914403001922038216"
TICKS = os.sysconf("SC_CLK_TCK")


def _xinyong() -> str:
    return str(Path(sys.executable).with_name("xinyong"))


def _env(folder: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["XINYONG_DATABASE_URL"] = f"sqlite:///{folder}/startup.db"
    env["XINYONG_BACKGROUND_TICK_SECONDS"] = "30"
    return env


def command(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one CLI command."""
    before = os.times()
    started = time.perf_counter()
    subprocess.run([_xinyong(), *args], env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def serve(env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds from starting ``xinyong serve`` to its first ``/healthz`` 200."""
    port = _free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [_xinyong(), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - started, _cpu_of(server.pid)
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError("xinyong serve exited") from None
                time.sleep(0.02)
    finally:
        server.terminate()
        server.wait(30)


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    load_start = [round(x, 2) for x in os.getloadavg()]
    cases = {
        "uscc_validate": ["uscc", "validate", CODE],
        "workdays_builtin": ["workdays", "add", "2026-01-05", "3", "--builtin"],
        "workdays_office": ["workdays", "add", "2026-01-05", "3"],
    }
    figures: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []} for name in [*cases, "serve_healthz"]}
    with tempfile.TemporaryDirectory(prefix="xinyong-startup-") as folder:
        env = _env(folder)
        subprocess.run([_xinyong(), "db", "upgrade"], env=env, check=True, capture_output=True)  # and byte code
        for _ in range(args.runs):
            for name, argv in cases.items():
                wall, cpu = command(argv, env)
                figures[name]["wall"].append(wall)
                figures[name]["cpu"].append(cpu)
            wall, cpu = serve(env)
            figures["serve_healthz"]["wall"].append(wall)
            figures["serve_healthz"]["cpu"].append(cpu)
    out: dict[str, object] = {"runs": args.runs}
    for name, values in figures.items():
        wall, cpu = _summary(values["wall"]), _summary(values["cpu"])
        print(f"{name:18} wall {wall['median']:.2f} s ({wall['min']:.2f}–{wall['max']:.2f}), CPU {cpu['median']:.2f} s")
        out[f"{name}_wall_s"] = wall
        out[f"{name}_cpu_s"] = cpu
    out["loadavg_start"] = load_start
    out["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
