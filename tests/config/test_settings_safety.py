from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE)"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _load_settings()

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_is_off_and_cookies_are_secure_unless_asked_otherwise():
    result = _load_settings(DJANGO_SECRET_KEY="s3cret")

    assert result.stdout.split() == ["False", "True"]


def test_the_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")

    result = _load_settings(DJANGO_SECRET_KEY_FILE=str(secret))

    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_our_connections_run_without_jit_and_with_an_in_memory_page_cost():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('random_page_cost')")
        assert cursor.fetchone() == ("off", "1.1")


def test_behind_pgbouncer_in_transaction_mode_nothing_outlives_a_transaction():
    code = (
        "import config.settings as s; d = s.DATABASES['default']; print(d['OPTIONS'], d['DISABLE_SERVER_SIDE_CURSORS'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SECRET_KEY": "s3cret", "DATABASE_PGBOUNCER": "1"})

    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)

    assert out.stdout.split() == ["{}", "True"]  # no startup options, no WITH HOLD cursors
