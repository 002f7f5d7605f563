"""A simulated fortnight: a few hundred leads across time zones, reps working their queue, the sweep every ten
minutes. Every rule of the cadence is then checked against the follow-ups that were actually created."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from zoneinfo import ZoneInfo

import holidays
import pytest

from cadence.models import Enrollment, FollowUp
from cadence.scheduler import scheduler_sweep
from cadence.services import enrollment_create, enrollment_set_next_step, enrollments_plan
from crm.models import Prospect
from tests.cadence.helpers import follow_up_done
from tests.factories import CadenceFactory, ContactFactory, ProspectFactory, UserFactory
from touches.models import Touch

pytestmark = pytest.mark.django_db

# Start on a Monday a week before Europe's clocks change, ending after Lord Howe's and over Easter.
START = dt.datetime(2026, 3, 23, 0, 0, tzinfo=dt.UTC)
DAYS = 14
STEP = dt.timedelta(minutes=10)
PLACES = [
    ("US", "America/New_York"),
    ("GB", "Europe/London"),
    ("IN", "Asia/Kolkata"),
    ("AU", "Australia/Lord_Howe"),
    ("WS", "Pacific/Apia"),
    ("US", "America/Los_Angeles"),
    ("DE", "Europe/Berlin"),
]
WINDOWS = [
    (dt.time(8), dt.time(9)),
    (dt.time(11), dt.time(12)),
    (dt.time(13, 30), dt.time(14, 30)),
    (dt.time(16), dt.time(17)),
]
LEADS = 210
MAX_ATTEMPTS = 6


def _outcome(rng: random.Random, channel: str) -> str:
    roll = rng.random()
    if channel == "call":
        return (
            "connected"
            if roll < 0.05
            else "wrong_person"
            if roll < 0.07
            else "opted_out"
            if roll < 0.08
            else "no_answer"
        )
    if channel == "email":
        return "bounced" if roll < 0.03 else "sent"
    return {"voicemail": "left_voicemail", "in_person": "no_answer"}.get(channel, "sent")


@pytest.fixture(scope="module")
def fortnight(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            yield _simulate()
            transaction.set_rollback(True)


def _simulate() -> dict:
    rng = random.Random(7)
    rep = UserFactory(username="sim-rep")
    team = rep.team
    teammates = [UserFactory(username=f"sim-mate-{n}", team=team) for n in range(3)]
    UserFactory(username="sim-away", team=team, is_available=False)
    # Daily attempts and a short wait, so that in two weeks leads get through a whole cadence (one attempt a day,
    # each a call with its voicemail) and some are given up or handed over.
    short = {"gaps_days": [1], "min_touches": 5, "max_touches": MAX_ATTEMPTS, "breakup_wait_days": 2}
    give_up = CadenceFactory(team=team, name="Give up", is_default=True, recycle_after_days=60, **short)
    hand_over = CadenceFactory(team=team, name="Hand over", is_default=False, on_finish="reassign", **short)
    for n in range(LEADS):
        country, zone = PLACES[n % len(PLACES)]
        lead = ProspectFactory(owner=rep, team=team, name=f"Lead {n}", country=country, timezone=zone)
        ContactFactory(prospect=lead, role="decision_maker")
        if n % 3 == 0:
            ContactFactory(prospect=lead, role="assistant")
        enrollment_create(prospect=lead, now=START, cadence=hand_over if n % 2 else give_up)
    now = START
    end = START + dt.timedelta(days=DAYS)
    neglected: set[int] = set()
    while now < end:
        scheduler_sweep(now=now)
        due = (
            FollowUp.objects.filter(status=FollowUp.Status.PLANNED, due_start__lte=now)
            .select_related("enrollment__prospect", "contact")
            .order_by("due_start")
        )
        for follow_up in due:
            if follow_up.pk in neglected or rng.random() < 0.01:
                neglected.add(follow_up.pk)  # the rep falls behind on this one: it must turn overdue, not vanish
                continue
            at = max(follow_up.due_start, now - STEP) + dt.timedelta(minutes=1)
            outcome = _outcome(rng, follow_up.channel)
            prospect = follow_up.enrollment.prospect
            follow_up_done(follow_up, outcome=outcome, at=at)
            enrollments_plan(enrollment_ids=[follow_up.enrollment_id], now=at)
            if outcome == "connected" and rng.random() < 0.7:
                enrollment = Enrollment.objects.get(pk=follow_up.enrollment_id)
                enrollment_set_next_step(
                    enrollment=enrollment, what="Send the lane pricing", due_at=_agreed_time(at, prospect), now=at
                )
                enrollments_plan(enrollment_ids=[enrollment.pk], now=at)
        now += STEP
    return {"rep": rep, "teammates": teammates, "end": end}


def _agreed_time(at: dt.datetime, prospect: Prospect) -> dt.datetime:
    """What a buyer agrees to on the phone: two working days later, 10:00 their time."""
    day = at.astimezone(ZoneInfo(prospect.timezone)).date() + dt.timedelta(days=2)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(10), tzinfo=ZoneInfo(prospect.timezone))


def _local_windows(follow_up: FollowUp) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(follow_up.contact.timezone or follow_up.prospect.timezone)
    return follow_up.due_start.astimezone(zone), follow_up.due_end.astimezone(zone)


def _window_of(local_start: dt.datetime) -> int | None:
    for index, (start, end) in enumerate(WINDOWS):
        if start <= local_start.time() < end:
            return index
    return None


def _attempt_follow_ups():
    return (
        FollowUp.objects.filter(is_next_step=False)
        .select_related("prospect", "contact", "enrollment__cadence")
        .order_by("enrollment_id", "attempt", "step")
    )


def test_the_fortnight_made_real_progress(fortnight):
    assert Touch.objects.count() > LEADS * 3
    assert FollowUp.objects.filter(kind="breakup").exists()
    assert Enrollment.objects.filter(status=Enrollment.Status.GAVE_UP).exists()
    assert Enrollment.objects.filter(status=Enrollment.Status.REASSIGNED).exists()
    assert FollowUp.objects.filter(overdue_since__isnull=False).exists()


def _is_voicemail_after_a_call(follow_up: FollowUp) -> bool:
    """ "Always leave a voicemail": it follows the unanswered call at once, wherever that call fell."""
    return follow_up.channel == "voicemail" and "leave a voicemail now" in follow_up.reason


def test_a_voicemail_after_an_unanswered_call_is_due_at_once(fortnight):
    late = []
    for follow_up in _attempt_follow_ups():
        if _is_voicemail_after_a_call(follow_up):
            call = Touch.objects.filter(
                prospect=follow_up.prospect, channel="call", occurred_at__lte=follow_up.due_start
            )
            last_call = call.order_by("-occurred_at").first()
            if last_call is None or follow_up.due_start - last_call.occurred_at > dt.timedelta(minutes=2):
                late.append((follow_up.reason, follow_up.due_start))
    assert late == []


def test_every_attempt_lies_inside_a_call_window_on_a_working_day(fortnight):
    offenders = []
    for follow_up in _attempt_follow_ups():
        if _is_voicemail_after_a_call(follow_up):
            continue
        start, end = _local_windows(follow_up)
        window = _window_of(start)
        days_off = holidays.country_holidays(follow_up.prospect.country, years=start.year)
        in_window = window is not None and end.time() <= WINDOWS[window][1] and end.date() == start.date()
        if not in_window or start.weekday() >= 5 or start.date() in days_off:
            touches = Touch.objects.filter(prospect=follow_up.prospect).order_by("occurred_at")
            offenders.append(
                (
                    follow_up.channel,
                    start.isoformat(),
                    end.isoformat(),
                    follow_up.reason,
                    [(t.channel, t.outcome, t.occurred_at.astimezone(start.tzinfo).isoformat()) for t in touches],
                )
            )
    assert offenders == []


def test_consecutive_calls_never_share_a_window_until_all_were_tried(fortnight):
    """Until somebody picks up: from then on the window they answered in is preferred, by design."""
    offenders = []
    calls: dict[int, list[FollowUp]] = defaultdict(list)
    picked_up = Touch.objects.filter(outcome__in=["connected", "replied", "meeting_booked"]).values("prospect_id")
    attempts = _attempt_follow_ups().filter(channel="call", contact__isnull=False).exclude(prospect_id__in=picked_up)
    for follow_up in attempts:
        calls[follow_up.enrollment_id].append(follow_up)
    for follow_ups in calls.values():
        windows = [_window_of(_local_windows(f)[0]) for f in follow_ups]
        round_ = windows[:4]
        if len(set(round_)) != len(round_) or any(a == b for a, b in zip(windows, windows[1:], strict=False)):
            offenders.append((windows, [(f.attempt, f.contact_id, f.status, f.reason) for f in follow_ups]))
    assert offenders == []


def test_follow_ups_are_unique_per_attempt_and_one_at_most_is_planned(fortnight):
    per_enrollment: dict[int, int] = defaultdict(int)
    for enrollment_id in FollowUp.objects.filter(status="planned").values_list("enrollment_id", flat=True):
        per_enrollment[enrollment_id] += 1
    assert max(per_enrollment.values()) == 1


def test_the_breakup_is_always_exactly_the_last_allowed_attempt(fortnight):
    talked = Touch.objects.filter(outcome__in=["connected", "replied", "meeting_booked"]).values("prospect_id")
    breakups = (
        FollowUp.objects.filter(kind="breakup").exclude(prospect_id__in=talked).select_related("enrollment__cadence")
    )
    assert {(b.attempt, b.enrollment.cadence.max_touches) for b in breakups} == {(MAX_ATTEMPTS, MAX_ATTEMPTS)}


def test_nobody_gave_up_before_the_minimum_and_hand_overs_skip_the_unavailable(fortnight):
    for enrollment in Enrollment.objects.filter(status__in=["gave_up", "reassigned"]):
        touched = Touch.objects.filter(prospect=enrollment.prospect, occurred_at__gte=enrollment.started_at)
        zone = ZoneInfo(enrollment.prospect.timezone)
        # One attempt per occasion: the days of their clock with a touch (a call and its voicemail are one).
        attempts = len({(t.contact_id, t.occurred_at.astimezone(zone).date()) for t in touched})
        assert attempts >= enrollment.cadence.min_touches, enrollment.end_reason
        assert not enrollment.gave_up_early
    new_owners = set(
        Enrollment.objects.filter(prospect__enrollments__status="reassigned")
        .exclude(status="reassigned")
        .values_list("owner__username", flat=True)
    )
    assert new_owners and "sim-away" not in new_owners and "sim-rep" not in new_owners


def test_stopped_and_closed_leads_have_nothing_planned(fortnight):
    closed = Enrollment.objects.exclude(status__in=Enrollment.OPEN_STATUSES)
    assert not FollowUp.objects.filter(enrollment__in=closed, status="planned").exists()
    assert not FollowUp.objects.filter(prospect__status__in=Prospect.CLOSED_STATUSES, status="planned").exists()
