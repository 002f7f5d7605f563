"""COPY plumbing: rows as COPY text, streamed to PostgreSQL on a thread while the next chunk is made."""

from __future__ import annotations

import datetime as dt
import io
import json
import queue
import threading
from collections.abc import Sequence
from decimal import Decimal

from django.db import connection, models

NULL = r"\N"
FLUSH_ROWS = 20_000


def text(value: object) -> str:
    """One value in COPY's text format."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, int | float | Decimal | dt.date):
        return str(value)
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    if isinstance(value, dict | list) or hasattr(value, "adapted"):  # a JSON field's value (psycopg2's Json)
        return text(json.dumps(getattr(value, "adapted", value), ensure_ascii=False))
    raise TypeError(f"no COPY text for {value!r}")


def ts(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat()


class CopyWriter:
    """Runs the COPY statements on a thread of its own, so PostgreSQL loads one chunk while Python makes the next.

    It borrows the psycopg2 connection under Django's (same session, so `session_replication_role` applies);
    the generating thread does not touch the database until `close()`. psycopg2 releases the GIL while libpq
    sends data, which is what lets the two overlap on two cores.
    """

    def __init__(self) -> None:
        connection.ensure_connection()
        self._raw = connection.connection
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bench-copy", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue
            statement, rows = item
            try:
                with self._raw.cursor() as cursor:
                    cursor.copy_expert(statement, io.StringIO(rows))
            except BaseException as exc:  # re-raised in the generating thread by close()
                self._error = exc

    def submit(self, statement: str, rows: str) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((statement, rows))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


class CopyTable:
    """Rows for one model's table, streamed to COPY in chunks.

    The generator gives the columns it computes; every other concrete column gets the model field's default
    (so a column someone adds with a default loads without touching this file). A NOT NULL column with no
    default that the generator does not fill is an error naming it.
    """

    def __init__(self, model: type[models.Model], columns: Sequence[str], writer: CopyWriter) -> None:
        self.table = model._meta.db_table
        self.columns = list(columns)
        self.writer = writer
        suffix: list[str] = []
        for model_field in model._meta.concrete_fields:
            column = model_field.column
            if column in self.columns:
                continue
            # Django's own default: the field's default, else "" for text fields, else NULL.
            value = model_field.get_db_prep_save(model_field.get_default(), connection)
            if value is None and not model_field.null:
                raise ValueError(f"{self.table}.{column} is NOT NULL without a default: the generator must fill it")
            self.columns.append(column)
            suffix.append(text(value))
        self.suffix = ("\t" + "\t".join(suffix)) if suffix else ""
        self.statement = f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN"
        self.rows: list[str] = []
        self.count = 0

    def add(self, values: str) -> None:
        """`values`: the generator's columns, already in COPY text, tab-separated."""
        self.rows.append(values + self.suffix + "\n")
        if len(self.rows) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        self.writer.submit(self.statement, "".join(self.rows))
        self.count += len(self.rows)
        self.rows = []


def execute(statement: str, params: Sequence[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes not backing a constraint (those stay during the load)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = %s
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            ORDER BY i.indexname
            """,
            [table],
        )
        return list(cursor.fetchall())
