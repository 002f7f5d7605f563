"""Fuzz the whole API from its own OpenAPI schema with schemathesis, as a demo rep, with every default check.

Bounded: FUZZ_EXAMPLES examples per operation (API_FUZZ_EXAMPLES overrides it for a longer local run).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES

from api.changes import touch_changes_head
from api.idempotency import KEY_PATTERN
from api.pagination import keyset_cursor
from cadence.models import Cadence
from crm.models import Contact, User
from crm.selectors import prospect_list_visible
from demo.seed import demo_data_seed

NEGATIVE_REJECTION_DEFAULT = list(NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES)
EARLIEST = dt.datetime(2000, 1, 2, tzinfo=dt.UTC)
FUZZ_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))


def load_schema() -> schemathesis.BaseSchema:
    """The schema exactly as /api/schema/ serves it, sent to the app in-process through WSGI.

    Built at import time rather than from a fixture: schemathesis' fixture loader does not support pytest 9 yet.
    """
    generated = SchemaGenerator().get_schema(request=None, public=True)
    config = SchemathesisConfig.from_dict(
        # Every default check, as configured by default, except one documented deviation: the contract says more
        # than 500 bulk items is 413 ("too large", nothing written), which the schema's maxItems also describes.
        {"checks": {"negative_data_rejection": {"expected-statuses": [*NEGATIVE_REJECTION_DEFAULT, "413"]}}}
    )
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(generated)), config=config)
    loaded.app = WSGIHandler()
    return loaded


schema = load_schema()


@pytest.fixture
def demo_rep(db, settings):
    """A demo rep with the demo team's pipeline; the app runs in-process, inside the test's transaction."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "100000/min"}}
    # As Django's test client does: a request must not close the connection that holds the test transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    demo_data_seed(now=timezone.now())
    yield User.objects.get(username="alex")
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def aware(value: Any) -> dt.datetime | None:
    """The value as an aware datetime if it is a well-formed one, else None (negative examples stay as they are)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def representable(moment: dt.datetime) -> bool:
    try:
        moment.astimezone(dt.UTC)
    except OverflowError:
        return False
    return True


class Realistic:
    """Point generated references at rows the rep can see, and touch times at the past.

    The schema cannot say "a prospect you own", "not in the future" or "a phone or an email"; without this, most
    positive examples would be (rightly) refused and the fuzzer would learn little. Only well-typed values are
    replaced, and schemathesis re-validates the case afterwards, so negative examples stay negative.
    """

    def __init__(self, rep: User) -> None:
        self.rep = rep
        prospects = prospect_list_visible(user=rep)
        self.prospects = list(prospects.order_by("pk").values_list("pk", flat=True))
        self.contacts: dict[int, list[int]] = {}
        for contact_id, prospect_id in Contact.objects.filter(prospect__in=prospects).values_list("pk", "prospect"):
            self.contacts.setdefault(prospect_id, []).append(contact_id)
        self.cadences = list(Cadence.objects.filter(team=rep.team).values_list("pk", flat=True))

    def item(self, body: dict[str, Any]) -> dict[str, Any]:
        body = dict(body)
        prospect = body.get("prospect")
        if isinstance(prospect, int) and not isinstance(prospect, bool) and prospect >= 1:
            body["prospect"] = self.prospects[prospect % len(self.prospects)]
            contact = body.get("contact")
            if isinstance(contact, int) and not isinstance(contact, bool) and contact >= 1:
                choices = self.contacts.get(body["prospect"])
                body["contact"] = choices[contact % len(choices)] if choices else None
        if isinstance(body.get("timezone"), str) and body["timezone"]:
            body["timezone"] = "Europe/Berlin"
        # A rep creates prospects they own: any other owner is rightly a 400.
        owner = body.get("owner")
        if isinstance(owner, int) and not isinstance(owner, bool) and owner >= 1:
            body["owner"] = self.rep.pk
        cadence = body.get("cadence")
        if isinstance(cadence, int) and not isinstance(cadence, bool) and cadence >= 1:
            body["cadence"] = self.cadences[cadence % len(self.cadences)]
        # A touch happened in the past, since 2000 (the API's sane range: its help text says so; a schema cannot).
        occurred_at = aware(body.get("occurred_at"))
        if occurred_at is not None and not (representable(occurred_at) and EARLIEST <= occurred_at <= timezone.now()):
            body["occurred_at"] = (timezone.now() - dt.timedelta(hours=1)).isoformat()
        # A recycle date is a day of the next two years, like every date the API takes.
        if isinstance(body.get("recycle_on"), str):
            body["recycle_on"] = (timezone.now() + dt.timedelta(days=30)).date().isoformat()
        # A next step is agreed in a conversation, for a time to come: the schema cannot say either.
        step = body.get("next_step")
        if isinstance(step, dict) and aware(step.get("due_at")) is not None:
            body["next_step"] = {**step, "due_at": (timezone.now() + dt.timedelta(days=2)).isoformat()}
            if isinstance(body.get("outcome"), str):
                body["outcome"] = "connected"
        if aware(body.get("due_at")) is not None:
            body["due_at"] = (timezone.now() + dt.timedelta(days=2)).isoformat()
        # A pause ends in the future; any well-formed end becomes one, as a real client would send.
        if aware(body.get("until")) is not None:
            body["until"] = (timezone.now() + dt.timedelta(days=1)).isoformat()
        return body

    def apply(self, case: Any) -> None:
        # Real clients make a new key per request; a key reused with another body is 422 (tested elsewhere).
        key = (case.headers or {}).get("Idempotency-Key")
        if isinstance(key, str) and KEY_PATTERN.fullmatch(key):
            case.headers = {**case.headers, "Idempotency-Key": f"{key[:200]}-{uuid.uuid4()}"}
        # A cursor is a position the feed handed out; any other string is rightly a 400.
        if isinstance(case.query, dict) and isinstance(case.query.get("cursor"), str):
            if case.operation.path == "/api/v1/prospects/":
                cursor = keyset_cursor("M", 1)  # after the prospects named up to "M"
            else:
                cursor = touch_changes_head().encode()
            case.query = {**case.query, "cursor": cursor}
        body = case.body
        if isinstance(body, dict):
            if isinstance(body.get("touches"), list):
                case.body = {**body, "touches": [self.item(t) if isinstance(t, dict) else t for t in body["touches"]]}
            else:
                case.body = self.item(body)
            # A contact needs a phone or an email, which the schema cannot say: give it an email if it has neither.
            new_contact = case.operation.path == "/api/v1/contacts/" and case.method.upper() == "POST"
            if new_contact and not (case.body.get("phone") or case.body.get("email")):
                case.body = {**case.body, "email": "jane@example.com"}


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_the_api_honours_its_schema(case, demo_rep):
    token, _ = Token.objects.get_or_create(user=demo_rep)
    Realistic(demo_rep).apply(case)
    case.call_and_validate(headers={"Authorization": f"Token {token.key}"})
