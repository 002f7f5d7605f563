"""The app processes of `make run` (web, worker, beat): Procfile.dev, honcho, and leftover cleanup.

Honcho starts every Procfile entry in its own session/process group and, on Ctrl-C, SIGTERMs each
group (SIGKILL after 5 s), which covers Celery's pool children and runserver's reloader child. What
honcho cannot cover is the dev server itself being SIGKILLed: its children then keep running and the
next `make run` would fail on port 8000. So each entry is wrapped to record its process-group id in
`<data>/devserver/procs/<name>.pid` first; the next run finds and stops such leftovers.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from honcho.environ import parse_procfile
from honcho.manager import Manager

from devserver import osutil


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    command: str


def load_procfile(path: Path) -> list[ProcessSpec]:
    procfile = parse_procfile(path.read_text())
    if not procfile.processes:
        raise ValueError(f"{path} defines no processes")
    return [ProcessSpec(name, cmd) for name, cmd in procfile.processes.items()]


def pidfile_for(pid_dir: Path, name: str) -> Path:
    return pid_dir / f"{name}.pid"


def wrap_command(spec: ProcessSpec, pid_dir: Path) -> str:
    """Shell command that records its own pid (= its process-group id under honcho) and then
    `exec`s the Procfile command, so the recorded pid is the real process, not a lingering shell.
    Procfile entries must therefore be simple commands, as foreman/honcho conventions expect."""
    pidfile = shlex.quote(str(pidfile_for(pid_dir, spec.name)))
    return f"echo $$ > {pidfile} && exec {spec.command}"


def stop_leftovers(pid_dir: Path, say: Callable[[str], None] | None = None) -> list[str]:
    """Stop process groups recorded in `pid_dir` that are still running; return their names.

    A recorded pid is trusted only if its group still has members and, when the leader itself is
    alive, the leader started before the pid file was written: a pid recycled by an unrelated
    process (after a reboot, say) started later. If the leader is gone but members remain, the group
    id cannot have been recycled (the kernel does not hand out the id of an existing group).
    """
    stopped: list[str] = []
    if not pid_dir.is_dir():
        return stopped
    for pidfile in sorted(pid_dir.glob("*.pid")):
        name = pidfile.stem
        try:
            pgid = int(pidfile.read_text().strip())
            written = pidfile.stat().st_mtime
        except (OSError, ValueError):
            pidfile.unlink(missing_ok=True)
            continue
        members = osutil.group_members(pgid)
        leader_started = osutil.process_started_at(pgid)
        recycled = leader_started is not None and leader_started > written + osutil.START_TIME_TOLERANCE
        if members and not recycled:
            if say is not None:
                say(f"Stopping leftover '{name}' (process group {pgid}) from a run that did not exit cleanly")
            osutil.terminate_group(pgid, timeout=10)
            stopped.append(name)
        pidfile.unlink(missing_ok=True)
    return stopped


def run_honcho(specs: Sequence[ProcessSpec], env: Mapping[str, str], cwd: Path, pid_dir: Path) -> int:
    """Run the processes with prefixed, coloured output until one exits or we are signalled.

    Returns honcho's return code: 130/143 after SIGINT/SIGTERM, else that of the first process that
    stopped on its own.
    """
    pid_dir.mkdir(parents=True, exist_ok=True)
    manager = Manager()
    for spec in specs:
        manager.add_process(spec.name, wrap_command(spec, pid_dir), env=dict(env), cwd=str(cwd))

    # honcho handles SIGINT/SIGTERM; a closed terminal (SIGHUP) must shut down just as cleanly.
    def on_hangup(signum: int, frame: FrameType | None) -> None:
        manager.returncode = 128 + signum
        manager.terminate()

    previous = signal.signal(signal.SIGHUP, on_hangup)
    try:
        manager.loop()
    finally:
        signal.signal(signal.SIGHUP, previous)
    return manager.returncode if manager.returncode is not None else 0


def run_foreground(cmd: Sequence[str], env: Mapping[str, str], cwd: Path) -> int:
    """Run one command attached to the terminal and return its exit code (128+N if killed by N).

    The child shares our process group, so Ctrl-C from the terminal reaches it directly (pytest
    prints its summary, `manage.py shell` gets its KeyboardInterrupt); we ignore SIGINT meanwhile
    and clean up once it has exited. SIGTERM/SIGHUP sent to us alone (CI timeouts, a closed
    terminal) are forwarded so the child does not outlive us.
    """
    try:
        child = subprocess.Popen(list(cmd), env=dict(env), cwd=cwd)
    except FileNotFoundError:
        print(f"devserver: command not found: {cmd[0]}", file=sys.stderr)
        return 127

    def forward(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    handlers = {
        signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN),
        signal.SIGTERM: signal.signal(signal.SIGTERM, forward),
        signal.SIGHUP: signal.signal(signal.SIGHUP, forward),
    }
    try:
        returncode = child.wait()
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    return 128 - returncode if returncode < 0 else returncode


def child_env(base: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """Environment for every child: the caller's, plus service URLs, plus the venv on PATH.

    The venv's bin dir goes first on PATH so that `python` and `celery` in Procfile.dev resolve to
    this interpreter's environment even when the venv is not activated (`make run` never activates).
    PYTHONUNBUFFERED makes log lines show up in honcho's output as they happen, not per 8 KiB block.
    """
    env = dict(base)
    env.update(extra)
    bindir = os.path.dirname(sys.executable)
    path = env.get("PATH", "")
    if bindir not in path.split(os.pathsep):
        env["PATH"] = os.pathsep.join(p for p in (bindir, path) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env
