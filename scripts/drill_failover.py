# ruff: noqa: S603 - a drill starts local programs (etcd, patroni, psql, xinyong) with arguments of its own
"""Failover drill (run by scripts/drill_failover.sh): one etcd and a 3-node Patroni cluster (PostgreSQL 15,
synchronous mode) on spare ports under a temporary folder; the platform's schema and data through the multi-host
URL (target_session_attrs=read-write). Running at once: checks written in a loop (each acknowledged check id written
down), a department's penalty files ingested one after another (a failed import sent again until acknowledged),
webhook messages queued to a receiver here, and two hosts' `xinyong tick` timers (every second) that deliver them and
run the sweeps. The primary's host "dies" (Patroni and its PostgreSQL killed with SIGKILL); everything carries on
through the failover. Repeated RUNS times on the same cluster (the dead node is started again and rejoins as a
standby). One JSON line: per run the seconds until writes succeeded again, checks failed during the switch,
acknowledged writes lost (must be 0), ingestion (rows of acknowledged files lost, records stored twice, records a
resend changed: all must be 0), the outbox (acknowledged messages never delivered: must be 0; redeliveries, which
receivers de-duplicate by Idempotency-Key), the tick (rounds run and skipped for the advisory lock, rounds after the
kill, seconds until the first one); then `xinyong audit verify` on the final primary and the load average."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
XY = str(ROOT / ".venv" / "bin" / "xinyong")
PGBIN = os.environ.get("PGBIN") or sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1].as_posix()
RUNS = int(os.environ.get("RUNS", "1"))
LOAD_SECONDS = float(os.environ.get("LOAD_SECONDS", "75"))
KILL_AFTER = float(os.environ.get("KILL_AFTER", "10"))


def port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def as_pg(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def rest(node_port: int, path: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{node_port}{path}", timeout=2) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as refused:
        return refused.code, {}
    except Exception:
        return 0, {}


NODE = """scope: drill
namespace: /drill/
name: {name}
restapi:
  listen: 127.0.0.1:{rest}
  connect_address: 127.0.0.1:{rest}
etcd3:
  hosts: 127.0.0.1:{etcd}
bootstrap:
  dcs:
    ttl: 20
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        synchronous_commit: "on"
        shared_buffers: 32MB
        max_connections: 100
  initdb:
    - encoding: UTF8
    - locale: C
postgresql:
  listen: 127.0.0.1:{pg}
  connect_address: 127.0.0.1:{pg}
  data_dir: {work}/{name}
  bin_dir: {pgbin}
  pgpass: {work}/pgpass-{name}
  authentication:
    superuser: {{username: postgres, password: drill}}
    replication: {{username: replicator, password: drill}}
    rewind: {{username: rewinder, password: drill}}
  parameters:
    unix_socket_directories: '{work}'
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
"""


class Receiver:
    """A webhook receiver: every POST's Idempotency-Key, in arrival order."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        lock = threading.Lock()
        keys = self.keys

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    keys.append(self.headers.get("Idempotency-Key", ""))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Ticker:
    """One host's `xinyong tick` timer: a round every second; each round's start, end and whether it ran or skipped
    (another round held the advisory lock) or failed."""

    def __init__(self, drill: Drill, name: str) -> None:
        self.drill, self.name = drill, name
        self.rounds: list[tuple[float, float, str]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stopping.is_set():
            started = time.time()
            try:
                done = subprocess.run([XY, "tick"], env=self.drill.env, capture_output=True, text=True, timeout=90)
                outcome = (
                    "skipped" if "advisory lock held" in done.stdout else ("ran" if done.returncode == 0 else "failed")
                )
            except subprocess.TimeoutExpired:
                outcome = "failed"
            self.rounds.append((started, time.time(), outcome))
            self.stopping.wait(1)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(120)


class Drill:
    def __init__(self) -> None:
        self.work = Path(tempfile.mkdtemp(prefix="xinyong-drill-failover-"))
        os.chmod(self.work, 0o755)  # noqa: S103 - the postgres user must reach its data folders
        if os.geteuid() == 0:
            shutil.chown(self.work, "postgres", "postgres")
        self.etcd_port, self.etcd_peer = port(), port()
        self.nodes = {f"n{i}": {"rest": port(), "pg": port()} for i in (1, 2, 3)}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        hosts = "&".join(f"host=127.0.0.1:{n['pg']}" for n in self.nodes.values())
        self.url = f"postgresql://postgres@/xinyong?{hosts}&target_session_attrs=read-write&connect_timeout=2"
        self.env = {
            **os.environ,
            "XINYONG_DATABASE_URL": self.url,
            "XINYONG_AUDIT_KEY_FILE": str(self.work / "audit.key"),
            "XINYONG_AUDIT_ANCHOR_FILE": str(self.work / "anchors.jsonl"),
            "XINYONG_BACKGROUND_TICK_SECONDS": "0",
            "XINYONG_DB_POOL_SIZE": "2",
            "XINYONG_OUTBOX_ALLOWED_NETWORKS": '["127.0.0.1/32"]',  # the drill's receiver is on this machine
            "XINYONG_OUTBOX_LEASE_SECONDS": "10",  # a claim lost with the primary is due again soon
            "XINYONG_OUTBOX_BACKOFF_SECONDS": "1",
            "XINYONG_OUTBOX_BACKOFF_MAX_SECONDS": "4",
        }

    def start_etcd(self) -> None:
        cmd = [
            "etcd", "--name", "drill", "--data-dir", str(self.work / "etcd"),
            "--listen-client-urls", f"http://127.0.0.1:{self.etcd_port}",
            "--advertise-client-urls", f"http://127.0.0.1:{self.etcd_port}",
            "--listen-peer-urls", f"http://127.0.0.1:{self.etcd_peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{self.etcd_peer}",
            "--initial-cluster", f"drill=http://127.0.0.1:{self.etcd_peer}",
        ]  # fmt: skip
        log = open(self.work / "etcd.log", "wb")  # noqa: SIM115 - kept open for the process's life
        self.procs["etcd"] = subprocess.Popen(as_pg(cmd), stdout=log, stderr=log, start_new_session=True)

    def start_node(self, name: str) -> None:
        config = self.work / f"{name}.yml"
        node = self.nodes[name]
        config.write_text(
            NODE.format(name=name, rest=node["rest"], pg=node["pg"], etcd=self.etcd_port, work=self.work, pgbin=PGBIN)
        )
        if os.geteuid() == 0:
            shutil.chown(config, "postgres", "postgres")
        log = open(self.work / f"{name}.log", "ab")  # noqa: SIM115 - kept open for the process's life
        self.procs[name] = subprocess.Popen(
            as_pg(["patroni", str(config)]), stdout=log, stderr=log, start_new_session=True
        )

    def leader(self) -> str | None:
        for name, node in self.nodes.items():
            if name in self.procs and rest(node["rest"], "/primary")[0] == 200:
                return name
        return None

    def wait(self, what: str, ready: object, timeout: float = 180) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if ready():  # type: ignore[operator]
                return
            time.sleep(0.5)
        raise TimeoutError(what)

    def healthy(self) -> bool:
        leader = self.leader()
        if leader is None:
            return False
        status, cluster = rest(self.nodes[leader]["rest"], "/cluster")
        members = cluster.get("members", []) if status == 200 else []
        running = [m for m in members if m.get("state") in ("running", "streaming")]  # type: ignore[union-attr]
        sync = [m for m in members if m.get("role") == "sync_standby"]  # type: ignore[union-attr]
        return len(running) == 3 and len(sync) >= 1

    def kill_node(self, name: str) -> None:
        """The host dies: Patroni and its PostgreSQL, SIGKILL, no goodbye."""
        pidfile = self.work / name / "postmaster.pid"
        postmaster = int(pidfile.read_text().split()[0]) if pidfile.exists() else None
        os.killpg(self.procs[name].pid, signal.SIGKILL)  # runuser, Patroni and what it started in its group
        if postmaster:
            with contextlib.suppress(ProcessLookupError):
                os.kill(postmaster, signal.SIGKILL)
        self.procs[name].wait()
        del self.procs[name]

    def _signal(self, name: str, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.procs[name].pid, sig)  # the process group: runuser does not pass signals on

    def xy(self, *args: str) -> str:
        return subprocess.run([XY, *args], env=self.env, capture_output=True, text=True, check=True).stdout

    def load(self, *args: str) -> str:
        cmd = [PY, str(ROOT / "scripts" / "drill_load.py"), *args]
        return subprocess.run(cmd, env=self.env, capture_output=True, text=True, check=True).stdout

    def stop(self) -> None:
        for name in [n for n in self.procs if n != "etcd"]:
            self._signal(name, signal.SIGTERM)
        for name in [n for n in self.procs if n != "etcd"]:
            try:
                self.procs[name].wait(20)
            except subprocess.TimeoutExpired:
                self._signal(name, signal.SIGKILL)
        for name in self.nodes:
            subprocess.run(as_pg([f"{PGBIN}/pg_ctl", "-D", str(self.work / name), "-m", "immediate", "stop"]),
                           capture_output=True, check=False)  # fmt: skip
        if "etcd" in self.procs:
            self._signal("etcd", signal.SIGTERM)
            self.procs["etcd"].wait(10)
        if os.environ.get("KEEP") != "1":
            shutil.rmtree(self.work, ignore_errors=True)


def loader(drill: Drill, *args: str) -> subprocess.Popen[bytes]:
    cmd = [PY, str(ROOT / "scripts" / "drill_load.py"), *args]
    return subprocess.Popen(cmd, env=drill.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def last_line(process: subprocess.Popen[bytes]) -> dict[str, object]:
    out, _ = process.communicate()
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


def one_run(drill: Drill, receiver: Receiver, number: int) -> dict[str, object]:
    """Checks, ingestion and outbox messages written, two tick timers running; the primary killed KILL_AFTER in."""
    acked = drill.work / f"acked-{number}.txt"
    files, messages = drill.work / f"files-{number}.txt", drill.work / f"messages-{number}.txt"
    seconds = str(LOAD_SECONDS)
    checks = loader(drill, "run", seconds, str(acked))
    ingest = loader(drill, "ingest", seconds, str(files), str(number * 10_000))
    queued = loader(drill, "outbox", seconds, str(messages), receiver.url, f"run{number}")
    tickers = [Ticker(drill, "host-a"), Ticker(drill, "host-b")]
    time.sleep(KILL_AFTER)
    victim = drill.leader()
    assert victim is not None
    killed_at = time.time()
    drill.kill_node(victim)
    result = last_line(checks)
    ingested, outbox = last_line(ingest), last_line(queued)
    lost = json.loads(drill.load("lost", str(acked)))
    drill.wait("the new primary's REST answer", lambda: drill.leader() is not None, timeout=60)
    new_leader = drill.leader()
    keys = {line.strip() for line in messages.read_text().splitlines() if line.strip()}
    deadline = time.time() + 120  # the timers go on until every acknowledged message has reached the receiver
    while time.time() < deadline and not keys <= set(receiver.keys):
        time.sleep(1)
    for ticker in tickers:
        ticker.stop()
    rounds = [r for t in tickers for r in t.rounds]
    after = sorted(a for a, _b, outcome in rounds if outcome == "ran" and a > killed_at)
    posts = [k for k in receiver.keys if k in keys]
    recovered = result["recovered"]
    return {
        "run": number,
        "killed": victim,
        "new_primary": new_leader,
        "seconds_until_writes": round(float(recovered) - killed_at, 1) if recovered else None,  # type: ignore[arg-type]
        "checks_acknowledged": result["acknowledged"],
        "checks_failed_during_switch": result["failed"],
        "acknowledged_writes_lost": lost["lost"],
        "ingestion": {**ingested, **json.loads(drill.load("ingest-lost", str(files)))},
        "outbox": {
            **outbox,
            "delivered": len(set(posts)),
            "undelivered": len(keys - set(posts)),
            "redelivered": len(posts) - len(set(posts)),
        },
        "tick": {
            "rounds_ran": sum(1 for r in rounds if r[2] == "ran"),
            "rounds_skipped_lock_held": sum(1 for r in rounds if r[2] == "skipped"),
            "rounds_failed": sum(1 for r in rounds if r[2] == "failed"),
            "rounds_after_kill": len(after),
            "seconds_until_first_round_after_kill": round(after[0] - killed_at, 1) if after else None,
        },
    }


def main() -> None:
    drill = Drill()
    runs = []
    try:
        drill.start_etcd()
        drill.start_node("n1")
        drill.wait("n1 to lead", lambda: drill.leader() == "n1")
        drill.start_node("n2")
        drill.start_node("n3")
        drill.wait("a healthy cluster", drill.healthy, timeout=300)
        leader = drill.leader()
        assert leader is not None
        subprocess.run(
            as_pg([f"{PGBIN}/psql", "-h", str(drill.work), "-p", str(drill.nodes[leader]["pg"]), "-U", "postgres",
                   "-qc", "CREATE DATABASE xinyong"]),
            check=True, capture_output=True,
        )  # fmt: skip
        drill.xy("audit", "keygen")
        drill.xy("db", "upgrade")
        drill.load("seed", "100")
        receiver = Receiver()
        for number in range(1, RUNS + 1):
            runs.append(one_run(drill, receiver, number))
            drill.start_node(runs[-1]["killed"])  # the host comes back: it rejoins as a standby (pg_rewind)
            drill.wait("the cluster to heal", drill.healthy, timeout=300)
        try:
            drill.xy("audit", "verify")
            audit_ok = True
        except subprocess.CalledProcessError:
            audit_ok = False
        line = {
            "drill": "failover",
            "runs": runs,
            "acknowledged_writes_lost_total": sum(r["acknowledged_writes_lost"] for r in runs),
            "ingested_rows_lost_total": sum(r["ingestion"]["rows_lost"] for r in runs),
            "records_stored_twice_total": sum(r["ingestion"]["records_stored_twice"] for r in runs),
            "outbox_messages_undelivered_total": sum(r["outbox"]["undelivered"] for r in runs),
            "audit_chain_valid": audit_ok,
            "loadavg": [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]],
        }
        print(json.dumps(line, ensure_ascii=False))
    finally:
        drill.stop()


if __name__ == "__main__":
    sys.exit(main())
