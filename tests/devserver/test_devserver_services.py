"""The embedded PostgreSQL/Redis behind `make run` and `make test`, exercised for real.

Every test uses its own temp data dir and a free Redis port, so they can run while a `make run`
from the same checkout is up. No db fixture: these servers are not the one pytest-django uses.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import dj_database_url
import psycopg2
import pytest
import redis

from devserver import osutil
from devserver.services import EmbeddedPostgres, EmbeddedRedis, postgres_url

ROOT = Path(__file__).resolve().parents[2]


def pg_query(url: str, sql: str) -> object:
    """Connect exactly as Django would: through dj-database-url's reading of the URL."""
    db = dj_database_url.parse(url)
    conn = psycopg2.connect(
        host=db["HOST"], port=db["PORT"] or None, user=db["USER"], password=db["PASSWORD"], dbname=db["NAME"]
    )
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchone()[0] if cur.description else None
    finally:
        conn.close()


def pg_pids(pg: EmbeddedPostgres) -> list[int]:
    running = pg.postmaster()
    assert running is not None
    # The postmaster plus checkpointer, walwriter, ... (each of which leads its own process group).
    return [running[0], *osutil.children(running[0])]


def assert_gone(pids: list[int]) -> None:
    left = [(pid, osutil.command_line(pid)) for pid in pids if osutil.process_started_at(pid) is not None]
    assert left == []


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path)
    yield server
    server.stop()  # no-op when the test already stopped it


@pytest.fixture
def rds(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path, port=0)
    yield server
    server.stop()


def test_start_connect_and_stop_leaves_nothing_behind(pg: EmbeddedPostgres, rds: EmbeddedRedis) -> None:
    db_url = pg.start()
    redis_url = rds.start()

    assert pg.launched and pg.initialised
    assert pg_query(db_url, "select 1") == 1
    assert pg_query(db_url, "select current_database()") == "pursuit"
    assert redis.Redis.from_url(redis_url).ping() is True
    assert redis_url.startswith("redis://127.0.0.1:") and redis_url.endswith("/0")

    pids = [*pg_pids(pg), rds.pid]
    assert len(pids) > 2
    assert rds.stop() is True
    assert pg.stop() is True
    assert_gone(pids)
    assert not (pg.pgdata / "postmaster.pid").exists()


def test_second_start_reuses_the_data_dir_quickly(tmp_path: Path) -> None:
    first = EmbeddedPostgres(tmp_path)
    pg_query(first.start(), "create table kept (id int); insert into kept values (42)")
    first.stop()

    second = EmbeddedPostgres(tmp_path)
    began = time.monotonic()
    url = second.start()
    elapsed = time.monotonic() - began
    try:
        assert second.launched and not second.initialised  # no initdb the second time
        assert pg_query(url, "select id from kept") == 42
        assert elapsed < 10, f"restart took {elapsed:.1f}s"
    finally:
        second.stop()


def test_redis_keeps_data_across_restarts(tmp_path: Path) -> None:
    first = EmbeddedRedis(tmp_path, port=0)
    redis.Redis.from_url(first.start()).set("greeting", "hello")
    first.stop()

    second = EmbeddedRedis(tmp_path, port=0)
    try:
        assert redis.Redis.from_url(second.start()).get("greeting") == b"hello"
    finally:
        second.stop()


def test_a_shared_server_is_stopped_by_its_last_user_only(tmp_path: Path) -> None:
    """`make test` in a second terminal must not take the database away from `make run`."""
    run, test = EmbeddedPostgres(tmp_path), EmbeddedPostgres(tmp_path)
    run.start()
    url = test.start()
    assert run.launched and not test.launched
    pids = pg_pids(run)

    assert run.stop() is False  # `test` still uses it
    assert pg_query(url, "select 1") == 1
    assert test.stop() is True
    assert_gone(pids)


def test_redis_preferred_port_falls_back_to_a_free_one(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy_port = taken.getsockname()[1]
        server = EmbeddedRedis(tmp_path, port=busy_port)
        try:
            url = server.start()
            assert server.port != busy_port
            assert redis.Redis.from_url(url).ping() is True
        finally:
            server.stop()


def test_servers_left_by_a_killed_run_are_adopted_then_stopped(tmp_path: Path) -> None:
    """`kill -9` of the dev server leaves PostgreSQL and Redis running (own sessions): reuse them."""
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from devserver.services import EmbeddedPostgres, EmbeddedRedis
        EmbeddedPostgres(Path({str(tmp_path)!r})).start()
        EmbeddedRedis(Path({str(tmp_path)!r}), port=0).start()
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    crashed = subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=False)
    assert crashed.returncode == -signal.SIGKILL

    pg, rds = EmbeddedPostgres(tmp_path), EmbeddedRedis(tmp_path, port=0)
    try:
        began = time.monotonic()
        db_url, redis_url = pg.start(), rds.start()
        assert time.monotonic() - began < 5
        assert not pg.launched and not rds.launched  # adopted, not restarted
        assert pg_query(db_url, "select 1") == 1
        assert redis.Redis.from_url(redis_url).ping() is True
        pids = [*pg_pids(pg), rds.pid]
    finally:
        # The dead owner is pruned from the lease, so we are the last user and really stop them.
        assert rds.stop() is True
        assert pg.stop() is True
    assert_gone(pids)


def test_servers_killed_with_sigkill_are_restarted_over_stale_pid_files(tmp_path: Path) -> None:
    pg, rds = EmbeddedPostgres(tmp_path), EmbeddedRedis(tmp_path, port=0)
    pg.start()
    rds.start()
    postmaster = pg.postmaster()
    assert postmaster is not None and rds.pid is not None
    pids = pg_pids(pg)
    os.kill(postmaster[0], signal.SIGKILL)
    os.kill(rds.pid, signal.SIGKILL)
    # Backends notice their postmaster died and exit on their own.
    assert osutil.wait_until(lambda: all(osutil.process_started_at(p) is None for p in pids), 10)
    assert (pg.pgdata / "postmaster.pid").exists()  # stale, as after a power cut

    again_pg, again_rds = EmbeddedPostgres(tmp_path), EmbeddedRedis(tmp_path, port=0)
    try:
        db_url, redis_url = again_pg.start(), again_rds.start()
        assert again_pg.launched and again_rds.launched
        assert pg_query(db_url, "select 1") == 1
        assert redis.Redis.from_url(redis_url).ping() is True
    finally:
        again_rds.stop()
        again_pg.stop()
        pg.stop()
        rds.stop()


def test_a_recycled_pid_in_stale_files_is_not_mistaken_for_a_server(pg: EmbeddedPostgres) -> None:
    """After a reboot the pid in postmaster.pid may belong to some unrelated live process."""
    pg.start()
    pg.stop()
    lines = ["0"] * 8
    lines[0], lines[1], lines[2], lines[7] = str(os.getpid()), str(pg.pgdata), "1000000000", "ready"
    (pg.pgdata / "postmaster.pid").write_text("\n".join(lines) + "\n")
    assert pg.postmaster() is None

    url = pg.start()
    assert pg.launched
    assert pg_query(url, "select 1") == 1


def test_uppercase_socket_dir_gets_a_url_safe_alias(tmp_path: Path) -> None:
    """dj-database-url lower-cases the URL host; /home/Alice/... must still connect."""
    pg = EmbeddedPostgres(tmp_path / "Alice")
    try:
        url = pg.start()
        host = dj_database_url.parse(url)["HOST"]
        assert host == host.lower() and host.startswith("/tmp/pursuit-pg-")
        assert pg_query(url, "select 1") == 1
    finally:
        pg.stop()
    assert not Path(host).exists()


def test_deep_checkout_socket_path_falls_back_to_a_short_dir(tmp_path: Path) -> None:
    """Unix socket paths are limited to ~107 bytes; pgserver moves the socket, the URL follows."""
    deep = tmp_path.joinpath(*["deeply-nested-checkout"] * 6)
    deep.mkdir(parents=True)
    assert len(str(deep / "pg" / ".s.PGSQL.5432")) > 108
    pg = EmbeddedPostgres(deep)
    try:
        url = pg.start()
        assert pg.socket_dir is not None and pg.socket_dir != pg.pgdata
        assert pg_query(url, "select 1") == 1
    finally:
        pg.stop()


def test_postgres_url_round_trips_through_dj_database_url() -> None:
    parsed = dj_database_url.parse(postgres_url("/srv/pursuit/.data/pg", "pursuit"))
    assert parsed["HOST"] == "/srv/pursuit/.data/pg"
    assert parsed["NAME"] == "pursuit"
    assert parsed["USER"] == "postgres"
    assert parsed["PORT"] == ""
    assert parsed["ENGINE"] == "django.db.backends.postgresql"
