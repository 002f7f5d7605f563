"""The dashboard's cast: Maria manages Freight East (Alice, Bob); Otto manages Harbor West (Carol)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cadence.models import Cadence, Enrollment, FollowUp
from tests.factories import (
    CadenceFactory,
    EnrollmentFactory,
    ManagerFactory,
    ProspectFactory,
    TeamFactory,
    TouchFactory,
    UserFactory,
)


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now()


@pytest.fixture
def team(db):
    team = TeamFactory(name="Freight East", high_value_threshold=Decimal("50000"))
    CadenceFactory(team=team, name="Every other day", min_touches=5, max_touches=8)
    return team


@pytest.fixture
def other_team(db):
    team = TeamFactory(name="Harbor West")
    CadenceFactory(team=team, name="Default")
    return team


@pytest.fixture
def otto(other_team):
    """Otto manages another team: he must see none of Maria's."""
    return ManagerFactory(username="otto", team=other_team)


@pytest.fixture
def carol(other_team):
    return UserFactory(username="carol", first_name="Carol", team=other_team)


@pytest.fixture
def alice(team):
    return UserFactory(username="alice", first_name="Alice", team=team)


@pytest.fixture
def bob(team):
    return UserFactory(username="bob", first_name="Bob", team=team)


@pytest.fixture
def maria(team):
    return ManagerFactory(username="maria", first_name="Maria", team=team)


def lead(owner, *, now: dt.datetime, touched_days_ago: float | None = 1, value: str = "10000", **enrollment):
    """An enrolled prospect; by default touched yesterday and so not stalled."""
    prospect = ProspectFactory(owner=owner, estimated_value=Decimal(value))
    enrollment.setdefault("started_at", now - dt.timedelta(days=20))
    enrollment.setdefault("last_action", "follow_up")
    enrollment.setdefault("cadence", Cadence.objects.get(team=owner.team, is_default=True))
    row = EnrollmentFactory(prospect=prospect, **enrollment)
    if touched_days_ago is not None:
        TouchFactory(prospect=prospect, occurred_at=now - dt.timedelta(days=touched_days_ago))
    return row


def planned(enrollment: Enrollment, *, due_start: dt.datetime, attempt: int = 2, **fields) -> FollowUp:
    return FollowUp.objects.create(
        enrollment=enrollment,
        rep=enrollment.owner,
        prospect=enrollment.prospect,
        attempt=attempt,
        attempt_of=max(8, attempt),
        due_start=due_start,
        due_end=due_start + dt.timedelta(hours=1),
        channel="call",
        reason="Next attempt",
        **fields,
    )
