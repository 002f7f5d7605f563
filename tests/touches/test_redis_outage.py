"""With Redis down, a rep's log and a sync client's touch are still committed once and answered as a success;
the sweep plans what the lost messages would have. Against a real redis-server that the test stops."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time
import uuid

import kombu.pools
import pytest
import redis
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cadence.models import Enrollment, FollowUp
from cadence.scheduler import scheduler_sweep
from cadence.services import enrollment_create, enrollments_plan
from config.celery import app as celery_app
from tests.conftest import service_unavailable
from tests.factories import ContactFactory, zone_in_working_hours
from touches.models import Touch


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def doomed_redis(tmp_path):
    """A redis-server of this test's own, on a free port, for the test to stop."""
    binary = shutil.which("redis-server")
    if binary is None:
        service_unavailable("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(50):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    yield process, url
    process.kill()
    process.wait()


@pytest.fixture
def everything_on(doomed_redis, settings):
    """Point the cache (API throttling) and the Celery broker at the doomed Redis."""
    _, url = doomed_redis
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    celery_app.pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield doomed_redis
    celery_app.conf.broker_url = previous
    # kombu keeps its connection and producer pools in module globals, keyed by broker: the one closed above
    # would be handed to the next test (a real worker's) as "Acquire on closed pool". Start them all afresh.
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def planned(transactional_db, prospect, cadence) -> FollowUp:
    prospect.timezone = zone_in_working_hours()
    prospect.save()
    ContactFactory(prospect=prospect, name="Joe Buyer", phone="+1 212 555 0101")
    enrollment = enrollment_create(prospect=prospect, now=timezone.now())
    enrollments_plan(enrollment_ids=[enrollment.pk], now=timezone.now())
    return FollowUp.objects.get(enrollment=enrollment, status=FollowUp.Status.PLANNED)


def test_with_redis_down_a_logged_outcome_is_committed_once_and_the_sweep_catches_up(
    client, alice, planned, everything_on
):
    process, _ = everything_on
    process.kill()
    process.wait()
    client.force_login(alice)
    form_id = str(uuid.uuid4())

    started = time.monotonic()
    first = client.post(reverse("follow_up_log", args=[planned.pk]), {"outcome": "no_answer", "submission": form_id})
    again = client.post(reverse("follow_up_log", args=[planned.pk]), {"outcome": "no_answer", "submission": form_id})

    assert first.status_code == 302 and again.status_code == 302
    assert time.monotonic() - started < 10  # the page does not hang on the broker
    assert Touch.objects.count() == 1
    enrollment = Enrollment.objects.get(pk=planned.enrollment_id)
    # My day plans the lead in the request itself (the row shows what comes next), so no broker is needed for it;
    # the sweep then finds the plan current and plans nothing twice.
    assert FollowUp.objects.get(enrollment=enrollment, status=FollowUp.Status.PLANNED).channel == "voicemail"

    scheduler_sweep(now=timezone.now() + dt.timedelta(minutes=1))

    assert FollowUp.objects.filter(enrollment=enrollment, status=FollowUp.Status.PLANNED).count() == 1


def test_with_redis_down_the_api_logs_a_touch_unthrottled_instead_of_failing(alice, planned, everything_on):
    process, _ = everything_on
    process.kill()
    process.wait()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    body = {
        "id": str(uuid.uuid4()),
        "prospect": planned.prospect_id,
        "channel": "call",
        "outcome": "no_answer",
        "occurred_at": timezone.now().isoformat(),
    }

    created = api.post("/api/v1/touches/", body, format="json")
    replayed = api.post("/api/v1/touches/", body, format="json")

    assert (created.status_code, replayed.status_code) == (201, 200)
    assert Touch.objects.count() == 1
