from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo.seed import DemoSeedConflict, demo_data_seed


class Command(BaseCommand):
    help = "Create the demo team with eight weeks of history. Running it again changes nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            summary = demo_data_seed(now=timezone.now())
        except DemoSeedConflict as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{count} {name}" for name, count in summary.counts.items())
        if summary.created:
            elapsed = time.monotonic() - started
            self.stdout.write(self.style.SUCCESS(f'Created demo team "{summary.team_name}" in {elapsed:.1f}s'))
        else:
            self.stdout.write(f'Demo team "{summary.team_name}" is already there; nothing changed.')
        self.stdout.write(f"  {counts}")
        self.stdout.write("Demo logins (/accounts/login/; the manager also sees /admin/):")
        for login in summary.logins:
            away = "" if login.is_available else "  (on vacation)"
            self.stdout.write(f"  {login.role:<8} {login.username:<7} / {summary.password}{away}")
