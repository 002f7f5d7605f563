"""Process, port and state-file helpers shared by the services and the process runner.

Everything here is stdlib-only and works on Linux and macOS. On Linux /proc is read directly (no
dependency on `ps`, which slim containers lack); elsewhere `ps` is used.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

_PROC = Path("/proc")
_USE_PROC = sys.platform.startswith("linux") and (_PROC / "self" / "stat").exists()

# A recorded start time and the one read back later may differ by rounding (/proc gives jiffies
# relative to a boot time stored in whole seconds, `ps` gives whole seconds).
START_TIME_TOLERANCE = 2.0


# --------------------------------------------------------------------------------------------
# Process introspection
# --------------------------------------------------------------------------------------------


def _boot_time() -> float:
    for line in (_PROC / "stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise RuntimeError("no btime in /proc/stat")


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (which may itself contain spaces)."""
    try:
        raw = (_PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError, NotADirectoryError):
        return None
    return raw[raw.rindex(")") + 2 :].split()


def _ps(*args: str) -> str:
    # LC_ALL=C keeps `lstart` in the fixed English format parsed below.
    result = subprocess.run(
        ["ps", *args], capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"}, check=False
    )
    return result.stdout


def process_started_at(pid: int) -> float | None:
    """Start time (epoch seconds) of a live process, None if it is gone or a zombie.

    Comparing start times is how stale pid files are told apart from a recycled pid: after a crash
    or a reboot the number in a pid file may belong to an unrelated process.
    """
    if pid <= 0:
        return None
    if _USE_PROC:
        fields = _proc_stat(pid)
        if fields is None or fields[0] in ("Z", "X"):
            return None
        return _boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    out = _ps("-o", "stat=", "-o", "lstart=", "-p", str(pid)).strip()
    if not out:
        return None
    state, _, lstart = out.partition(" ")
    if state.startswith("Z"):
        return None
    return time.mktime(time.strptime(lstart.strip(), "%a %b %d %H:%M:%S %Y"))


def is_same_process(pid: int, started: float | None) -> bool:
    """True if `pid` is alive and is the process that was recorded as starting at `started`."""
    actual = process_started_at(pid)
    if actual is None:
        return False
    return started is None or abs(actual - started) <= START_TIME_TOLERANCE


def command_line(pid: int) -> str:
    if _USE_PROC:
        try:
            raw = (_PROC / str(pid) / "cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            return ""
        return raw.replace(b"\0", b" ").decode(errors="replace").strip()
    return _ps("-o", "command=", "-p", str(pid)).strip()


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes in process group `pgid`.

    Zombies are skipped on purpose: in containers whose PID 1 does not reap orphans they linger
    forever, yet they hold no resources (ports, sockets, files) and cannot be signalled away.
    """
    members: list[int] = []
    if _USE_PROC:
        for entry in _PROC.iterdir():
            if not entry.name.isdigit():
                continue
            fields = _proc_stat(int(entry.name))
            if fields and fields[0] not in ("Z", "X") and int(fields[2]) == pgid:
                members.append(int(entry.name))
        return members
    for line in _ps("-A", "-o", "pid=", "-o", "pgid=", "-o", "stat=").splitlines():
        parts = line.split()
        if len(parts) >= 3 and int(parts[1]) == pgid and not parts[2].startswith("Z"):
            members.append(int(parts[0]))
    return members


def children(pid: int) -> list[int]:
    """Live direct children of `pid` (PostgreSQL's backends: each leads its own group, so
    group_members() of the postmaster does not list them)."""
    found: list[int] = []
    if _USE_PROC:
        for entry in _PROC.iterdir():
            if entry.name.isdigit():
                fields = _proc_stat(int(entry.name))
                if fields and fields[0] not in ("Z", "X") and int(fields[1]) == pid:
                    found.append(int(entry.name))
        return found
    for line in _ps("-A", "-o", "pid=", "-o", "ppid=", "-o", "stat=").splitlines():
        parts = line.split()
        if len(parts) >= 3 and int(parts[1]) == pid and not parts[2].startswith("Z"):
            found.append(int(parts[0]))
    return found


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def terminate_group(pgid: int, timeout: float = 10.0) -> bool:
    """SIGTERM a whole process group, SIGKILL what is left after `timeout`. True if it is gone.

    Whole groups, because a Celery worker forks pool children and runserver forks its autoreloaded
    child; signalling only the leader could orphan them.
    """
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        if wait_until(lambda: not group_members(pgid), wait):
            return True
    return False


def terminate_process(pid: int, started: float | None, timeout: float = 10.0) -> bool:
    """SIGTERM one process (only if it is still the one recorded), SIGKILL after `timeout`."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        if not is_same_process(pid, started):
            return True
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        if wait_until(lambda: not is_same_process(pid, started), wait):
            return True
    return False


def current_process() -> dict[str, Any]:
    """Identity of this process as stored in lease files: pid plus start time."""
    pid = os.getpid()
    return {"pid": pid, "started": process_started_at(pid)}


def live_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop entries of processes that are gone (crashed or killed runs)."""
    return [e for e in entries if is_same_process(int(e["pid"]), e.get("started"))]


# --------------------------------------------------------------------------------------------
# State files
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def locked_json(path: Path) -> Iterator[dict[str, Any]]:
    """Exclusive, cross-process read-modify-write of a small JSON file.

    flock() on a sibling `.lock` file serialises `make run` and `make test` started at the same time
    from one checkout. The lock dies with its holder, so a killed run never leaves it stuck. The
    state is written back only if the block succeeds, atomically via rename.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            state: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        except ValueError:
            state = {}  # a torn write from a crash: start over rather than refuse to run
        yield state
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(state, indent=2) + "\n")
        os.replace(tmp, path)
    finally:
        os.close(fd)  # releases the flock


# --------------------------------------------------------------------------------------------
# Ports
# --------------------------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True if nothing listens on host:port.

    SO_REUSEADDR mirrors what redis-server and runserver do, so a port in TIME_WAIT from a previous
    run counts as free (they could bind it) while a live listener does not.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
        return True
