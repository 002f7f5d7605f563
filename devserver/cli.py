"""`python -m devserver run | test [pytest args] | exec -- cmd...`

run   embedded PostgreSQL + Redis (unless DATABASE_URL / REDIS_URL are set), migrate, seed_demo,
      then web + Celery worker + Celery beat from Procfile.dev under honcho. Ctrl-C stops all of it.
test  same services (no migrate/seed: pytest-django builds its own database), then
      `python -m pytest [args]`; exits with pytest's code.
exec  same services, then any command, e.g. `exec -- python manage.py shell`; exits with its code.

Status lines go to stderr so that `exec` output can be piped or redirected untouched.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from devserver import osutil
from devserver.processes import (
    child_env,
    load_procfile,
    run_foreground,
    run_honcho,
    stop_leftovers,
)
from devserver.services import DEFAULT_REDIS_PORT, EmbeddedPostgres, EmbeddedRedis, ServiceError

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = ROOT / "Procfile.dev"
USAGE = """usage: python -m devserver run
       python -m devserver test [pytest args...]
       python -m devserver exec -- <command> [args...]"""
# Tests get their own Redis database so that a `make run` worker sharing the same embedded Redis
# never consumes tasks a test enqueued (and vice versa).
TEST_REDIS_DB = 1


def say(message: str) -> None:
    # A closed terminal (SIGHUP) makes writes fail; shutting down cleanly matters more than telling.
    with contextlib.suppress(OSError, ValueError):
        print(f"devserver: {message}", file=sys.stderr, flush=True)


def show(text: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(text, flush=True)


@dataclass(frozen=True)
class Settings:
    root: Path
    data_dir: Path
    redis_port: int
    web_port: int

    @classmethod
    def from_env(cls, env: Mapping[str, str], root: Path = ROOT) -> Settings:
        data_dir = Path(env.get("DEVSERVER_DATA_DIR") or root / ".data").resolve()
        return cls(
            root=root,
            data_dir=data_dir,
            redis_port=int(env.get("DEVSERVER_REDIS_PORT") or DEFAULT_REDIS_PORT),
            web_port=int(env.get("PORT") or 8000),
        )

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "devserver"

    def rel(self, path: Path) -> str:
        """Paths inside the checkout are shown relative to it: shorter, and what the README says."""
        with contextlib.suppress(ValueError):
            return str(path.relative_to(self.root))
        return str(path)


# --------------------------------------------------------------------------------------------
# Signals
# --------------------------------------------------------------------------------------------


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into KeyboardInterrupt, like Ctrl-C, so every exit path runs the
    cleanup in `finally` blocks (the default action would kill us and orphan the servers)."""
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """While stopping servers, an impatient second Ctrl-C must not abort the cleanup halfway."""
    told = False

    def notice(signum: int, frame: FrameType | None) -> None:
        nonlocal told
        if not told:
            say("still shutting down, please wait...")
            told = True

    previous = {sig: signal.signal(sig, notice) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# --------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------


def _stopper(label: str, stop: Callable[[], bool]) -> Callable[[], None]:
    def run() -> None:
        if stop():
            say(f"{label} stopped")
        else:
            say(f"{label} left running: still used by another devserver process")

    return run


@contextlib.contextmanager
def services(settings: Settings, env: Mapping[str, str], *, redis_db: int = 0) -> Iterator[dict[str, str]]:
    """Start whichever of PostgreSQL/Redis is not configured via env; yield the URLs to export.

    Stop callbacks are registered *before* each start so that an interrupted start (Ctrl-C during
    initdb) still stops whatever got launched.
    """
    urls: dict[str, str] = {}
    stack = contextlib.ExitStack()
    try:
        if not env.get("DATABASE_URL"):
            pg = EmbeddedPostgres(settings.data_dir)
            stack.callback(_stopper("PostgreSQL", pg.stop))
            urls["DATABASE_URL"] = pg.start()
            how = "started" if pg.launched else "already running"
            if pg.initialised:
                how = "initialised (first run) and started"
            say(f"PostgreSQL {how} ({settings.rel(pg.pgdata)}): {urls['DATABASE_URL']}")
        if not env.get("REDIS_URL"):
            redis = EmbeddedRedis(settings.data_dir, port=settings.redis_port, db=redis_db)
            stack.callback(_stopper("Redis", redis.stop))
            urls["REDIS_URL"] = redis.start()
            how = "started" if redis.launched else "already running"
            say(f"Redis {how} ({settings.rel(redis.workdir)}): {urls['REDIS_URL']}")
        yield urls
    finally:
        with shielded():
            stack.close()


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------


def _manage(settings: Settings, *args: str) -> list[str]:
    return [sys.executable, str(settings.root / "manage.py"), *args]


def _banner(settings: Settings) -> None:
    url = f"http://127.0.0.1:{settings.web_port}/"
    rule = "=" * 72
    show(
        f"\n{rule}\n"
        f"  Pursuit is starting at {url}\n"
        f"  Log in with a demo account listed above.\n"
        f"  Ctrl-C stops web, worker, beat, and the Redis/PostgreSQL started here.\n"
        f"{rule}\n"
    )


def cmd_run(settings: Settings) -> int:
    specs = load_procfile(PROCFILE)
    pid_dir = settings.state_dir / "procs"
    run_state = settings.state_dir / "run.json"
    me = osutil.current_process()
    with osutil.locked_json(run_state) as state:
        owner = state.get("owner")
        if owner and osutil.is_same_process(owner["pid"], owner.get("started")):
            say(f"`make run` is already running from this checkout (pid {owner['pid']}); stop it first")
            return 1
        # The previous owner is gone; whatever it left running (it was SIGKILLed) must go too.
        stop_leftovers(pid_dir, say)
        state["owner"] = me
    try:
        if not osutil.port_is_free(settings.web_port):
            say(f"port {settings.web_port} is in use; free it or pick another: PORT=8001 make run")
            return 1
        with services(settings, os.environ) as urls:
            env = child_env(os.environ, {**urls, "PORT": str(settings.web_port)})
            say("applying migrations (manage.py migrate --noinput)")
            code = run_foreground(_manage(settings, "migrate", "--noinput"), env, settings.root)
            if code:
                say(f"migrate failed (exit {code}); not starting the app")
                return code
            say("loading demo data (manage.py seed_demo)")
            show("-" * 72)
            code = run_foreground(_manage(settings, "seed_demo"), env, settings.root)
            if code:
                say(f"seed_demo failed (exit {code}); not starting the app")
                return code
            _banner(settings)
            try:
                return run_honcho(specs, env, settings.root, pid_dir)
            finally:
                # Safety net: honcho normally stops everything, but not if its loop died (e.g. writing
                # to a terminal that was closed).
                with shielded():
                    stop_leftovers(pid_dir, say)
    finally:
        with osutil.locked_json(run_state) as state:
            if state.get("owner") == me:
                state.pop("owner")


def cmd_test(settings: Settings, args: Sequence[str]) -> int:
    with services(settings, os.environ, redis_db=TEST_REDIS_DB) as urls:
        env = child_env(os.environ, urls)
        return run_foreground([sys.executable, "-m", "pytest", *args], env, settings.root)


def cmd_exec(settings: Settings, cmd: Sequence[str]) -> int:
    command = list(cmd)
    if command[0].endswith(".py"):
        # `exec -- manage.py shell`: scripts need not be executable or start with a shebang.
        command.insert(0, sys.executable)
    with services(settings, os.environ) as urls:
        env = child_env(os.environ, urls)
        return run_foreground(command, env, settings.root)


def main(argv: Sequence[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        show(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], list(argv[1:])
    settings = Settings.from_env(os.environ)
    try:
        with interruptible():
            if command == "run" and not rest:
                return cmd_run(settings)
            if command == "test":
                return cmd_test(settings, rest)
            if command == "exec":
                if rest[:1] == ["--"]:
                    rest = rest[1:]
                if rest:
                    return cmd_exec(settings, rest)
    except ServiceError as exc:
        say(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130
    show(USAGE)
    return 2
