"""The API cast: Alice (a rep) calls with her token; Carol, another team's rep, has her own."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _api_defaults(eager_celery):
    """Planning runs inline, and every test starts with a fresh throttle budget."""
    cache.clear()
    yield
    cache.clear()


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(alice) -> APIClient:
    return client_for(alice)


@pytest.fixture
def carol_api(carol) -> APIClient:
    return client_for(carol)


def touch_body(on, **overrides) -> dict:
    body = {
        "id": str(uuid.uuid4()),
        "prospect": on.pk,
        "channel": "call",
        "outcome": "no_answer",
        "occurred_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat(),
    }
    body.update(overrides)
    return body
