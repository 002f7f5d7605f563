"""Rep persistence and results, and the numbers behind the charts, all computed by PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cadence.models import Enrollment
from dashboard import charts, metrics
from tests.dashboard.conftest import lead, planned
from tests.factories import ContactFactory, ProspectFactory, TouchFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def history(prospect, outcomes: str, *, start: dt.datetime, rep=None, channel: str = "call", seconds: int = 60):
    """One touch a day: n = no answer, v = left voicemail, c = connected, m = meeting booked."""
    names = {"n": "no_answer", "v": "left_voicemail", "c": "connected", "m": "meeting_booked"}
    for day, code in enumerate(outcomes):
        TouchFactory(
            prospect=prospect,
            rep=rep or prospect.owner,
            channel=channel,
            outcome=names[code],
            occurred_at=start + dt.timedelta(days=day),
            duration_seconds=seconds,
        )


def by_label(stats: list[metrics.RepStats]) -> dict[str, metrics.RepStats]:
    return {line.label: line for line in stats}


def test_rep_lines_count_attempts_connects_time_and_the_team_line_adds_them_up(maria, alice, bob, now):
    period = metrics.Period.ending(now, 30)
    start = now - dt.timedelta(days=10)
    history(ProspectFactory(owner=alice), "nnnc", start=start, seconds=90)
    history(ProspectFactory(owner=alice), "nc", start=start, seconds=90)
    history(ProspectFactory(owner=bob), "nnnnnn", start=start, seconds=30)
    history(ProspectFactory(owner=bob), "n", start=now - dt.timedelta(days=45))  # before the period

    lines = by_label(metrics.rep_stats(user=maria, now=now, period=period))

    alice_line, bob_line, team_line = lines["Alice"], lines["Bob"], lines["Freight East (team)"]
    assert (alice_line.attempts, alice_line.dials, alice_line.connects) == (6, 6, 2)
    assert alice_line.connect_rate == pytest.approx(100 * 2 / 6)
    assert alice_line.attempts_per_day == pytest.approx(6 / 30)
    assert alice_line.hours == pytest.approx(6 * 90 / 3600)
    assert alice_line.median_to_connect == 3  # reached on the 4th and on the 2nd attempt
    assert (bob_line.attempts, bob_line.connects, bob_line.median_to_connect) == (6, 0, None)
    assert (team_line.attempts, team_line.connects, team_line.reached) == (12, 2, 2)
    assert team_line.median_to_connect == 3


def test_give_ups_count_the_early_ones_apart_and_overdue_follow_ups_are_counted_now(maria, alice, now):
    period = metrics.Period.ending(now, 7)
    ended = {"status": Enrollment.Status.GAVE_UP, "ended_at": now - dt.timedelta(days=2)}
    lead(alice, now=now, gave_up_early=True, **ended)
    lead(alice, now=now, gave_up_early=False, **ended)
    lead(alice, now=now, gave_up_early=True, status=Enrollment.Status.GAVE_UP, ended_at=now - dt.timedelta(days=20))
    late = lead(alice, now=now)
    planned(late, due_start=now - dt.timedelta(days=1))

    line = by_label(metrics.rep_stats(user=maria, now=now, period=period))["Alice"]

    assert (line.gave_up, line.gave_up_early, line.early_share) == (2, 1, 50)
    assert line.overdue == 1


def test_persistence_pays_counts_only_first_reaches_and_buckets_ten_and_more(maria, alice, now):
    start = now - dt.timedelta(days=25)
    history(ProspectFactory(owner=alice), "c", start=start)
    history(ProspectFactory(owner=alice), "nc", start=start)
    history(ProspectFactory(owner=alice), "nnnnnnnnnnnc", start=start)  # reached on the 12th: "10+"
    again = ProspectFactory(owner=alice)
    history(again, "c", start=now - dt.timedelta(days=60))  # first reached before the period
    history(again, "nc", start=start)  # so this later connect is not a first reach

    found = metrics.persistence(user=maria, period=metrics.Period.ending(now, 30))
    curve = charts.persistence_curve(found)

    assert found.buckets == {1: 1, 2: 1, 10: 1}
    assert [bar.reached for bar in curve] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert curve[-1].label == "10+"
    assert curve[1].cumulative == pytest.approx(200 / 3)
    assert (curve[0].study, curve[5].study) == (48, 93)
    assert found.median == 2


def test_when_to_call_buckets_by_the_contacts_local_weekday_and_hour(maria, alice, now):
    tokyo = ProspectFactory(owner=alice, timezone="Asia/Tokyo")
    in_london = ContactFactory(prospect=tokyo, timezone="Europe/London")
    at_head_office = ContactFactory(prospect=tokyo, timezone="")
    wednesday_utc = dt.datetime(2026, 11, 18, 16, 30, tzinfo=UTC)  # 16:30 in London, 01:30 Thursday in Tokyo
    when = min(now - dt.timedelta(days=1), wednesday_utc)
    when = when - dt.timedelta(days=(when.weekday() - 2) % 7)  # a Wednesday in the period
    when = when.replace(hour=16, minute=30)
    TouchFactory(prospect=tokyo, contact=in_london, occurred_at=when, outcome="connected")
    TouchFactory(prospect=tokyo, contact=at_head_office, occurred_at=when.replace(hour=0), outcome="no_answer")

    heat = charts.when_to_call(user=maria, period=metrics.Period.ending(now, 30))

    cells = {(day, heat.columns[n]): cell for day, row in heat.rows for n, cell in enumerate(row)}
    assert (heat.dials, heat.connects) == (2, 1)
    london = cells[("Wed", "4pm–5pm")]
    assert (london.dials, london.connects, london.rate, london.is_study_best) == (1, 1, 100, True)
    tokyo_cell = cells[("Wed", "9am–10am")]  # midnight UTC is 9 am in Tokyo
    assert (tokyo_cell.dials, tokyo_cell.connects) == (1, 0)


def test_attempts_per_day_fills_quiet_days_with_zero_in_the_managers_calendar(maria, alice, bob, now):
    period = metrics.Period.ending(now, 7)
    prospect = ProspectFactory(owner=alice)
    history(prospect, "nn", start=now - dt.timedelta(days=3))
    TouchFactory(prospect=prospect, channel="other", outcome="no_answer", occurred_at=now - dt.timedelta(days=3))

    series = charts.attempts_per_day(user=maria, period=period, tz=ZoneInfo("UTC"))

    assert len(series.days) == 8
    totals = dict((name, sum(values)) for name, values in series.reps)
    assert totals == {"Alice": 2, "Bob": 0}  # a note is not an attempt
    assert series.by_day[-4][1] == [1, 0]


def test_the_results_never_include_another_managers_team(maria, otto, alice, carol, now):
    start = now - dt.timedelta(days=5)
    history(ProspectFactory(owner=carol), "nnc", start=start)

    period = metrics.Period.ending(now, 30)
    labels = [line.label for line in metrics.rep_stats(user=maria, now=now, period=period)]

    assert "Carol" not in labels
    assert metrics.persistence(user=maria, period=period).reached == 0
    assert charts.when_to_call(user=maria, period=period).dials == 0
    assert by_label(metrics.rep_stats(user=otto, now=now, period=period))["Carol"].connects == 1
