"""Throwaway PostgreSQL clusters for tests that need a server of their own (a primary with a streaming standby),
on spare ports with their data under a temporary directory; the machine's own server is never touched.

``binaries()`` is None when the PostgreSQL server programs are not installed (tests then skip, saying so). As root
the clusters run as the ``postgres`` user (``initdb`` refuses root)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

CANDIDATES = [Path("/usr/lib/postgresql") / v / "bin" for v in ("17", "16", "15")]


def binaries() -> Path | None:
    for folder in CANDIDATES:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file() and (folder / "pg_basebackup").is_file():
            return folder
    found = shutil.which("pg_config")
    if found:
        folder = Path(subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False).stdout.strip())
        if (folder / "initdb").is_file():
            return folder
    return None


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_owner() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(bindir: Path, *args: str) -> None:
    done = subprocess.run([*_as_owner(), str(bindir / args[0]), *args[1:]], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {done.stderr.strip()[-2000:]}")


@dataclass
class Cluster:
    bindir: Path
    datadir: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        _run(
            self.bindir,
            "pg_ctl",
            "-D",
            str(self.datadir),
            "-l",
            str(self.datadir / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        _run(self.bindir, "pg_ctl", "-D", str(self.datadir), "-m", mode, "-w", "stop")

    def sql(self, statement: str) -> object:
        engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                return conn.execute(text(statement)).scalar()
        finally:
            engine.dispose()


def _root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="xinyong-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    return root


SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socketdir}'
wal_level = replica
max_wal_senders = 5
hot_standby = on
shared_buffers = 32MB
max_connections = 60
fsync = off
synchronous_commit = off
full_page_writes = off
"""


def primary() -> Cluster:
    bindir = binaries()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries are not installed")
    root = _root()
    datadir = root / "primary"
    _run(
        bindir, "initdb", "-D", str(datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"
    )
    port = spare_port()
    with (datadir / "postgresql.conf").open("a") as conf:
        conf.write(SETTINGS.format(port=port, socketdir=datadir))
    cluster = Cluster(bindir, datadir, port)
    cluster.start()
    return cluster


def standby_of(source: Cluster) -> Cluster:
    """A hot standby made from a base backup of ``source`` (pg_basebackup -R: streaming from it), started."""
    datadir = source.datadir.parent / f"standby-{spare_port()}"
    address = ["-h", "127.0.0.1", "-p", str(source.port), "-U", "postgres"]
    _run(source.bindir, "pg_basebackup", *address, "-D", str(datadir), "-R", "-X", "stream", "-c", "fast", "--no-sync")
    port = spare_port()
    with (datadir / "postgresql.auto.conf").open("a") as conf:
        conf.write(f"port = {port}\nunix_socket_directories = '{datadir}'\n")
    cluster = Cluster(source.bindir, datadir, port)
    cluster.start()
    return cluster


def wait_replayed(primary: Cluster, standby: Cluster, timeout: float = 30.0) -> None:
    # A hot standby's snapshot can stay behind the WAL it has replayed: after the concurrent index builds of the
    # migrations (0040, 0041) the standby kept xmax at the first transaction after them, so a replayed commit was
    # not yet visible there, until the primary logged its running transactions again (the background writer does
    # so every 15 s, a checkpoint at once; PostgreSQL 16 has pg_log_standby_snapshot()). Waiting for the replay
    # alone would then let a test read a standby that does not show the row yet.
    engine = create_engine(primary.url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("CHECKPOINT"))
    finally:
        engine.dispose()
    target = primary.sql("SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = standby.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
        if done:
            return
        time.sleep(0.1)
    raise TimeoutError("the standby did not replay the primary's WAL in time")


def remove(*clusters: Cluster) -> None:
    for cluster in clusters:
        with contextlib.suppress(RuntimeError):  # already stopped
            cluster.stop("immediate")
    if clusters:
        shutil.rmtree(clusters[0].datadir.parent, ignore_errors=True)
