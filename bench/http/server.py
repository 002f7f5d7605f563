"""The production shape for the HTTP mode: collectstatic, then gunicorn with DEBUG off on the bench database; and the
CPU time (user + system) of its processes and of PostgreSQL's, read from /proc, so each request's cost is known on
both sides whatever else the machine does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-only-not-a-secret"  # bench.settings' own, so sessions the bench writes are valid for the server
WORKERS = 2  # one sync worker per core of the 2-core machine; PostgreSQL shares the cores
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(*, database_url: str, redis_url: str, static_root: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.http_settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": SECRET,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_STATIC_ROOT": static_root,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            # The load would trip the API's per-token throttle (600/min) in a second; its Redis counter stays on.
            "API_THROTTLE_RATE": "100000000/min",
            # Plans enqueued by the touch POSTs go to a queue of the bench's own, emptied afterwards.
            "CELERY_QUEUE": "pursuit-bench-http",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def collectstatic(env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"collectstatic failed: {done.stderr[-1500:]}")


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]

    def pids(self) -> list[int]:
        """The master and its workers."""
        return [self.process.pid, *children_of(self.process.pid)]

    def cpu_ms(self) -> float:
        return sum(process_cpu_ms(pid, children=True) for pid in self.pids())


@contextmanager
def gunicorn(*, database_url: str, redis_url: str, workers: int = WORKERS) -> Iterator[Server]:
    """gunicorn as the Dockerfile runs it (sync workers, the access log, the redacting logger), on a free port."""
    with tempfile.TemporaryDirectory(prefix="pursuit-bench-http-") as folder:
        env = server_env(database_url=database_url, redis_url=redis_url, static_root=f"{folder}/static")
        collectstatic(env)
        port = _free_port()
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers),
            "--access-logfile", f"{folder}/access.log",
            "--logger-class", "config.gunicorn_logging.RedactingLogger",
        ]  # fmt: skip
        with open(f"{folder}/server.log", "wb") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        server = Server(f"http://127.0.0.1:{port}", process)
        try:
            _wait_until_serving(server, workers=workers, log=Path(folder) / "server.log")
            yield server
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(server: Server, *, workers: int, log: Path) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text(errors='replace')[-1500:]}")
        try:
            with urllib.request.urlopen(f"{server.base_url}/bench/hello/", timeout=2) as answer:
                if answer.status == 200 and len(children_of(server.process.pid)) >= workers:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer: {log.read_text(errors='replace')[-1500:]}")


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: the fields after it are what we read.
    return text[text.rindex(")") + 2 :].split()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry))
    return found


def process_cpu_ms(pid: int, *, children: bool = False) -> float:
    """utime + stime (and, with `children`, the reaped children's), in milliseconds."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks * TICK_MS


def postgres_cpu_ms() -> float:
    """Every PostgreSQL process of this machine: the backends serving the requests, their background workers, and
    (through the postmaster's reaped children) backends that ended meanwhile."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm", encoding="ascii", errors="replace") as handle:
                name = handle.read().strip()
        except OSError:
            continue
        if name == "postgres" or name.startswith("postgres:"):
            total += process_cpu_ms(int(entry), children=True)
    return total
