from __future__ import annotations

import pytest
from django.conf import settings

from api.tasks import prune

pytestmark = pytest.mark.django_db


def test_the_hourly_prune_runs_both_housekeeping_jobs():
    assert prune() == "idempotency keys 0, change-log rows 0"


def test_the_prune_is_on_the_beat_schedule():
    assert settings.CELERY_BEAT_SCHEDULE["api-prune"]["task"] == "api.tasks.prune"
