"""Bulk-sync throughput next to a raw multi-row INSERT of the same rows into the same table, in one run.

Not a timed test: it prints numbers. It writes touches for a demo rep, so run it on a scratch database:

    DATABASE_URL=postgres://.../pursuit_bench manage.py migrate && manage.py seed_demo && manage.py api_bench
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from psycopg2.extras import execute_values
from rest_framework.test import APIClient

from crm.models import User
from crm.selectors import prospect_list_visible
from touches.models import Touch

COLUMNS = (
    "id, prospect_id, contact_id, rep_id, channel, kind, outcome, theme, note, duration_seconds, occurred_at, "
    "source, created_at, updated_at, deleted_at"
)


class Command(BaseCommand):
    help = "Measure bulk-sync throughput (touches/s) against a raw multi-row INSERT of the same rows."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rep", default="alex", help="A demo rep whose prospects get the touches.")
        parser.add_argument("--batches", type=int, default=10)
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--keep", action="store_true", help="Keep the touches written (default: delete).")

    def handle(self, *args: Any, rep: str, batches: int, batch_size: int, keep: bool, **options: Any) -> None:
        from config.celery import app

        # Planning is enqueued after commit as in production, to an in-memory broker: nothing leaves the process.
        app.conf.broker_url = "memory://"
        user = User.objects.filter(username=rep).first()
        if user is None:
            raise CommandError(f"No user {rep!r}: run `manage.py seed_demo` on this database first.")
        prospects = list(prospect_list_visible(user=user).values_list("pk", flat=True))
        if not prospects:
            raise CommandError(f"{rep} has no prospects.")
        rng = random.Random(7)
        written: list[uuid.UUID] = []

        def rows() -> list[dict[str, Any]]:
            now = timezone.now()
            return [
                {
                    "id": str(uuid.uuid4()),
                    "prospect": rng.choice(prospects),
                    "channel": "call",
                    "outcome": "no_answer",
                    "note": "bench",
                    "occurred_at": (now - dt.timedelta(minutes=rng.randint(1, 600))).isoformat(),
                }
                for _ in range(batch_size)
            ]

        raw_rates, api_rates = [], []
        client = APIClient(SERVER_NAME="localhost")
        client.force_authenticate(user)
        for _ in range(batches):
            batch = rows()
            now = timezone.now()
            values = [
                (
                    r["id"],
                    r["prospect"],
                    None,
                    user.pk,
                    r["channel"],
                    "regular",
                    r["outcome"],
                    "none",
                    r["note"],
                    None,
                    r["occurred_at"],
                    "api",
                    now,
                    now,
                    None,
                )
                for r in batch
            ]
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                execute_values(
                    cursor.cursor, f"INSERT INTO touches_touch ({COLUMNS}) VALUES %s", values, page_size=batch_size
                )
            raw_rates.append(batch_size / (time.perf_counter() - started))
            written += [uuid.UUID(r["id"]) for r in batch]

            batch = rows()
            started = time.perf_counter()
            response = client.post("/api/v1/touches/bulk/", {"touches": batch}, format="json")
            api_rates.append(batch_size / (time.perf_counter() - started))
            if response.status_code != 200 or any(r["status"] != "created" for r in response.json()["results"]):
                raise CommandError(f"bulk sync failed: {response.status_code} {response.content[:500]!r}")
            written += [uuid.UUID(r["id"]) for r in batch]

        raw, api = statistics.median(raw_rates), statistics.median(api_rates)
        self.stdout.write(f"{batches} batches of {batch_size} touches, medians:")
        self.stdout.write(f"  raw multi-row INSERT      {raw:10.0f} touches/s")
        self.stdout.write(f"  POST /api/v1/touches/bulk/ {api:9.0f} touches/s  ({api / raw:.1%} of raw; target 25%)")
        if not keep:
            Touch.objects.filter(pk__in=written).delete()
