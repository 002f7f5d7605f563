"""The services enqueue tasks by name; a web process (which no worker autodiscovery ever ran in) knows them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_fresh_django_process_has_the_planning_tasks_registered():
    code = (
        "import django; django.setup(); from celery import current_app; "
        "print(sorted(n for n in current_app.tasks if n.startswith(('cadence.', 'crm.', 'api.', 'mailroom.'))))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}

    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert "cadence.tasks.enrollment_plan" in out.stdout and "cadence.tasks.rep_remind" in out.stdout, out.stderr
    assert "mailroom.tasks.email_send" in out.stdout and "mailroom.tasks.mailbox_sync" in out.stdout, out.stderr
