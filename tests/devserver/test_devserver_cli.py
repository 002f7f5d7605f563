"""`python -m devserver` as the Makefile calls it, plus the process-runner helpers behind `run`.

The CLI runs in subprocesses with DEVSERVER_DATA_DIR pointing at a temp dir and a free Redis port,
so a `make run` in the same checkout is never touched.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from devserver import osutil
from devserver.processes import ProcessSpec, child_env, load_procfile, stop_leftovers, wrap_command

ROOT = Path(__file__).resolve().parents[2]

# Run inside the embedded services: check both are reachable the way the app reaches them.
PROBE = textwrap.dedent(
    """
    import os, dj_database_url, psycopg2, redis
    db = dj_database_url.parse(os.environ["DATABASE_URL"])
    conn = psycopg2.connect(host=db["HOST"], user=db["USER"], dbname=db["NAME"])
    cur = conn.cursor()
    cur.execute("select 1")
    assert cur.fetchone() == (1,)
    conn.close()
    assert redis.Redis.from_url(os.environ["REDIS_URL"]).ping()
    print("probe-ok", os.environ["REDIS_URL"])
    """
)


def devserver_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DEVSERVER_DATA_DIR=str(data_dir), DEVSERVER_REDIS_PORT="0", **extra)
    return env


def devserver(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devserver", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_services_stopped(data_dir: Path) -> None:
    assert not (data_dir / "pg" / "postmaster.pid").exists()
    redis_state = json.loads((data_dir / "devserver" / "redis.json").read_text())
    assert "server" not in redis_state
    assert redis_state["users"] == []


def test_exec_runs_the_command_inside_embedded_services_and_stops_them(tmp_path: Path) -> None:
    result = devserver("exec", "--", "python", "-c", PROBE, env=devserver_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "probe-ok redis://127.0.0.1:" in result.stdout
    assert "PostgreSQL initialised (first run) and started" in result.stderr
    assert "PostgreSQL stopped" in result.stderr and "Redis stopped" in result.stderr
    assert_services_stopped(tmp_path)


def test_exec_forwards_the_exit_code_and_starts_nothing_when_urls_are_set(tmp_path: Path) -> None:
    env = devserver_env(tmp_path, DATABASE_URL="postgres://ci@db/ci", REDIS_URL="redis://ci:6379/0")
    code = "import os, sys; print(os.environ['DATABASE_URL'], os.environ['REDIS_URL']); sys.exit(3)"
    result = devserver("exec", "--", sys.executable, "-c", code, env=env)
    assert result.returncode == 3
    assert result.stdout.strip() == "postgres://ci@db/ci redis://ci:6379/0"
    assert result.stderr == ""
    assert not (tmp_path / "pg").exists()


def test_test_command_runs_pytest_with_args_and_forwards_its_exit_code(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text(
        "import os\n"
        "def test_has_urls():\n"
        "    assert os.environ['REDIS_URL'].endswith('/1')\n"  # tests get their own Redis database
        "    assert os.environ['DATABASE_URL'].startswith('postgres://')\n"
        "def test_fails():\n"
        "    assert False\n"
    )
    args = [str(tmp_path / "test_sample.py"), "-p", "no:django", "-p", "no:cacheprovider", "-q"]
    result = devserver("test", *args, f"--rootdir={tmp_path}", env=devserver_env(tmp_path / "data"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout
    assert_services_stopped(tmp_path / "data")

    only_passing = devserver("test", *args, "-k", "has_urls", env=devserver_env(tmp_path / "data"))
    assert only_passing.returncode == 0, only_passing.stdout + only_passing.stderr


def test_sigterm_while_a_command_runs_still_stops_everything(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "devserver", "exec", "--", "python", "-c", "import time; time.sleep(120)"],
        cwd=ROOT,
        env=devserver_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert osutil.wait_until(lambda: (tmp_path / "pg" / "postmaster.pid").exists(), 60)
        assert osutil.wait_until(lambda: b"server" in _read(tmp_path / "devserver" / "redis.json"), 30)
        redis_pid = json.loads((tmp_path / "devserver" / "redis.json").read_text())["server"]["pid"]
        postmaster_pid = int((tmp_path / "pg" / "postmaster.pid").read_text().split()[0])
        time.sleep(0.5)  # let the child start
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM
    assert "PostgreSQL stopped" in stderr and "Redis stopped" in stderr
    assert osutil.process_started_at(redis_pid) is None
    assert osutil.group_members(postmaster_pid) == []
    assert_services_stopped(tmp_path)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def test_usage_errors() -> None:
    assert devserver(env=dict(os.environ)).returncode == 2
    bad = devserver("exec", env=dict(os.environ))
    assert bad.returncode == 2 and "usage:" in bad.stdout


def test_procfile_runs_web_worker_and_beat() -> None:
    specs = {spec.name: spec.command for spec in load_procfile(ROOT / "Procfile.dev")}
    assert specs == {
        "web": "python manage.py runserver 127.0.0.1:${PORT:-8000}",
        "worker": "celery -A config worker -l info --concurrency 2",
        "beat": "celery -A config beat -l info --schedule .data/celerybeat-schedule",
    }


def _start_group(tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    """A Procfile-style process that forks a child, started the way honcho does (own session)."""
    spec = ProcessSpec(name, "sh -c 'sleep 300 & exec sleep 300'")
    return subprocess.Popen(wrap_command(spec, tmp_path), shell=True, start_new_session=True)


def test_leftovers_of_a_killed_run_are_stopped(tmp_path: Path) -> None:
    proc = _start_group(tmp_path, "web")
    pidfile = tmp_path / "web.pid"
    assert osutil.wait_until(lambda: pidfile.exists() and len(osutil.group_members(proc.pid)) == 2, 10)
    assert int(pidfile.read_text()) == proc.pid  # the group leader, which is the process itself

    assert stop_leftovers(tmp_path) == ["web"]
    proc.wait(timeout=5)
    assert osutil.group_members(proc.pid) == []
    assert not pidfile.exists()


def test_leftover_cleanup_ignores_a_recycled_pid(tmp_path: Path) -> None:
    proc = _start_group(tmp_path, "beat")
    pidfile = tmp_path / "beat.pid"
    try:
        assert osutil.wait_until(pidfile.exists, 10)
        # Pretend the pid file predates the process: its pid now belongs to someone else.
        old = time.time() - 3600
        os.utime(pidfile, (old, old))
        assert stop_leftovers(tmp_path) == []
        assert osutil.process_started_at(proc.pid) is not None
        assert not pidfile.exists()
    finally:
        osutil.terminate_group(proc.pid)
        proc.wait(timeout=5)


def test_child_env_puts_this_venv_first_and_unbuffers_python() -> None:
    env = child_env({"PATH": "/usr/bin", "KEEP": "1"}, {"DATABASE_URL": "postgres://x"})
    assert env["PATH"].split(os.pathsep) == [os.path.dirname(sys.executable), "/usr/bin"]
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["KEEP"] == "1" and env["DATABASE_URL"] == "postgres://x"


@pytest.mark.parametrize("pid", [0, -1, 2**22 + 12345])
def test_process_started_at_is_none_for_no_such_process(pid: int) -> None:
    assert osutil.process_started_at(pid) is None
