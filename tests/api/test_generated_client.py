"""The schema works with real tooling: generate a Python client with openapi-python-client, then use it."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db(transaction=True)

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture
def generated_client(tmp_path, client, monkeypatch):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(schema.json()))
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(schema_file),
            "--output-path",
            str(tmp_path / "pursuit_client"),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == "pursuit_client" or m.startswith("pursuit_client.")]:
        del sys.modules[name]
    return importlib.import_module("pursuit_client")


def test_a_generated_client_creates_a_touch_and_reads_the_changes_feed(generated_client, live_server, alice, prospect):
    from pursuit_client.api.touches import touches_changes_retrieve, touches_create
    from pursuit_client.models import ChannelEnum, OutcomeEnum, TouchInputRequest

    token = Token.objects.create(user=alice)
    api = generated_client.AuthenticatedClient(base_url=live_server.url, token=token.key, prefix="Token")
    touch_id = uuid.uuid4()
    body = TouchInputRequest(
        id=touch_id,
        prospect=prospect.pk,
        channel=ChannelEnum.CALL,
        outcome=OutcomeEnum.NO_ANSWER,
        occurred_at=timezone.now() - dt.timedelta(minutes=3),
    )

    with api as http:
        created = touches_create.sync_detailed(client=http, body=body, idempotency_key=str(uuid.uuid4()))
        replayed = touches_create.sync_detailed(client=http, body=body)
        seen: list = []
        cursor = None
        deadline = time.monotonic() + 30
        while touch_id not in {c.id for c in seen} and time.monotonic() < deadline:
            page = touches_changes_retrieve.sync(client=http, **({"cursor": cursor} if cursor else {}))
            seen += page.changes
            cursor = page.next_cursor
            time.sleep(0.05)

    assert created.status_code == 201
    assert created.parsed.id == touch_id
    assert replayed.status_code == 200
    change = next(c for c in seen if c.id == touch_id)
    assert change.op.value == "created"
    assert change.touch.outcome == OutcomeEnum.NO_ANSWER


def test_a_generated_client_creates_a_prospect_and_its_contact_then_pauses_and_resumes_its_cadence(
    generated_client, live_server, alice, cadence
):
    from pursuit_client.api.contacts import contacts_create
    from pursuit_client.api.enrollments import enrollments_list, enrollments_pause, enrollments_resume
    from pursuit_client.api.prospects import prospects_create
    from pursuit_client.models import ContactCreateInputRequest, EnrollmentPauseInputRequest, ProspectCreateInputRequest

    token = Token.objects.create(user=alice)
    api = generated_client.AuthenticatedClient(base_url=live_server.url, token=token.key, prefix="Token")
    until = (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0)

    with api as http:
        prospect = prospects_create.sync(
            client=http,
            body=ProspectCreateInputRequest(name="Initech Freight", estimated_value="1200.00", country="DE"),
            idempotency_key=str(uuid.uuid4()),
        )
        contact = contacts_create.sync(
            client=http,
            body=ContactCreateInputRequest(prospect=prospect.id, name="Jane Doe", email="jane@initech.test"),
        )
        enrollment = enrollments_list.sync(client=http, prospect=prospect.id).results[0]
        paused = enrollments_pause.sync(id=enrollment.id, client=http, body=EnrollmentPauseInputRequest(until=until))
        resumed = enrollments_resume.sync(id=enrollment.id, client=http)

    assert (prospect.owner, contact.prospect) == (alice.pk, prospect.id)
    assert (paused.status.value, paused.paused_until) == ("paused", until)
    assert (resumed.status.value, resumed.paused_until) == ("active", None)
