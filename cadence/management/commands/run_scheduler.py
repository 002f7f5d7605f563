from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from cadence.scheduler import scheduler_sweep


class Command(BaseCommand):
    help = "Run the cadence sweep: once (for cron, tests and debugging) or every minute."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one sweep and exit.")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, once: bool, batch_size: int, **options) -> None:
        while True:
            report = scheduler_sweep(now=timezone.now(), batch_size=batch_size)
            self.stdout.write(f"{timezone.now():%Y-%m-%d %H:%M:%S} sweep: {report}")
            if once:
                return
            time.sleep(60)
