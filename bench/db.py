"""The bench's own databases: one per scale on the server DATABASE_URL names, created and migrated on demand."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pursuit"
META_TABLE = "bench_meta"


def scale_label(scale: float) -> str:
    return f"{scale:g}"


def bench_database_name(scale: float) -> str:
    # BENCH_DB_PREFIX lets two people (or a helper and you) bench on one server without sharing data.
    return f"{os.environ.get('BENCH_DB_PREFIX', 'pursuit_bench')}_s{scale_label(scale)}"


def bench_url(base_url: str, scale: float) -> str:
    """Same server and credentials as `base_url`, the bench database of this scale."""
    parts = urlsplit(base_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + bench_database_name(scale), parts.query, ""))


def _admin_connection(url: str) -> psycopg2.extensions.connection:
    parts = urlsplit(url)
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    return conn


def database_exists(url: str) -> bool:
    name = urlsplit(url).path.lstrip("/")
    with _admin_connection(url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def database_recreate(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    conn = _admin_connection(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def django_use_database(url: str) -> None:
    """Point Django's default connection at `url` (the way the test runner switches to its test database)."""
    import dj_database_url
    from django.conf import settings
    from django.db import connection

    parsed = dj_database_url.parse(url)
    connection.close()
    for target in (settings.DATABASES["default"], connection.settings_dict):
        target.update({key: parsed[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")})
    os.environ["DATABASE_URL"] = url


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def database_bytes() -> int:
    """The bench database's size on disk: what PostgreSQL's shared buffers and the OS cache have to hold."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


def meta_write(values: dict[str, Any]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value jsonb NOT NULL)")
        for key, value in values.items():
            cursor.execute(
                f"INSERT INTO {META_TABLE} (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [key, json.dumps(value, default=str)],
            )


def meta_read() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [META_TABLE])
        if cursor.fetchone()[0] is None:
            return {}
        cursor.execute(f"SELECT key, value::text FROM {META_TABLE}")
        return {key: json.loads(value) for key, value in cursor.fetchall()}
