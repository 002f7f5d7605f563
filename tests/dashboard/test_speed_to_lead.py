"""The dashboard's speed to lead: minutes from an inbound lead's arrival to its first attempt, by way in and by rep,
and the leads waiting now."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from cadence.models import InboundLead
from cadence.services.inbound import InboundFields, InboundPerson, inbound_lead_create
from dashboard.metrics import Period
from dashboard.speed import speed_to_lead
from tests.factories import touch_logged
from touches.models import Channel, Outcome

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 3, 15, 0, tzinfo=dt.UTC)


def _lead(team, name: str, via: str, minutes_ago: int) -> InboundLead:
    arrived = NOW - dt.timedelta(minutes=minutes_ago)
    return inbound_lead_create(
        team=team,
        via=via,
        fields=InboundFields(name=name),
        person=InboundPerson(email=f"a@{name}.example"),
        now=arrived,
    )


def _call(lead: InboundLead, after_minutes: int) -> None:
    at = lead.arrived_at + dt.timedelta(minutes=after_minutes)
    touch_logged(
        rep=lead.owner, now=at, prospect=lead.prospect, channel=Channel.CALL, outcome=Outcome.NO_ANSWER, occurred_at=at
    )


def test_median_minutes_and_the_share_within_five_by_way_in_and_by_rep_and_who_is_waiting(team, alice, bob, maria):
    fast = _lead(team, "fast", "form", 60)
    slow = _lead(team, "slow", "form", 50)
    api = _lead(team, "api", "api", 40)
    waiting = _lead(team, "waiting", "webhook", 12)
    _call(fast, 3)
    _call(slow, 20)
    _call(api, 4)

    speed = speed_to_lead(user=maria, period=Period.ending(NOW, 7), now=NOW)

    rows = {row.label: row for row in speed.by_source}
    assert (rows["Web form"].arrived, rows["Web form"].tried, rows["Web form"].median_minutes) == (2, 2, 11.5)
    assert rows["Web form"].fast_share == 50
    assert (rows["API"].median_minutes, rows["API"].fast_share) == (4, 100)
    assert (rows["Form tool webhook"].tried, rows["Form tool webhook"].median) == (0, None)
    assert sum(row.arrived for row in speed.by_rep) == 4
    assert [(w.lead.pk, w.minutes) for w in speed.waiting] == [(waiting.pk, 12)]


def test_the_dashboard_shows_the_waiting_lead_to_its_manager(team, alice, maria):
    _lead(team, "waiting", "form", 7)
    client = Client()
    client.force_login(maria)

    with time_machine.travel(NOW, tick=False):
        page = client.get("/dashboard/").content.decode()

    assert "Speed to lead, last" in page and "Waiting for a first call now" in page and "waiting</a>: 7 min" in page
