"""Every reason the planner gives reads as a sentence a rep understands, wherever and whenever it is read.

A reason is written when the lead is planned and read hours or days later, beside the follow-up's own time on My
day. So: no "overdue" (the queue says how late a follow-up is, from its time); every day it names carries its
date; themes say what to do, not "theme: x (last: y)"; contacts by name and role, never by database id. Each rule
is checked on the reasons of whole simulated runs (hypothesis) and on the examples that used to read wrong.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

from hypothesis import given

from cadence.planner import Outcome, Theme, plan_next
from cadence.planner.enums import ContactRole
from cadence.planner.inputs import ContactInfo
from cadence.planner.reasons import MAX_REASON_LENGTH, SEPARATOR, day_label, line
from tests.cadence.test_planner_attempts import JOE, oct_, plan, touch
from tests.cadence.test_planner_properties import LOOSE, simulate, situations

WEEKDAY = r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b"
DATED = re.compile(WEEKDAY + r" \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")
NEW_YORK = ZoneInfo("America/New_York")


def wording_problems(reason: str) -> list[str]:
    problems = []
    if re.search(r"\boverdue\b", reason, re.IGNORECASE):
        problems.append("says overdue")
    if re.search(r"\btoday\b|\byesterday\b", reason):
        problems.append("names a day relative to when it was written")
    bare = [m for m in re.finditer(WEEKDAY, reason) if not DATED.match(reason, m.start())]
    if bare:
        problems.append(f"names a weekday without its date: {reason[bare[0].start() : bare[0].end() + 6]!r}")
    if "theme:" in reason or "(last:" in reason:
        problems.append("theme jargon")
    if re.search(r"\(#\d+\)|#\d", reason):
        problems.append("a contact named by id")
    if SEPARATOR + SEPARATOR.strip() in reason or reason.endswith(SEPARATOR.strip()) or "  " in reason:
        problems.append("an empty part")
    if not (reason[:1].isupper() or reason[:1].isdigit()):
        problems.append("does not start as a sentence")
    if len(reason) > MAX_REASON_LENGTH:
        problems.append("too long to store")
    return problems


@given(situations(with_history=False))
@LOOSE
def test_every_reason_of_a_whole_run_follows_the_wording_rules(situation) -> None:
    for step in simulate(situation):
        assert wording_problems(step.decision.reason) == [], step.decision.reason


@given(situations())
@LOOSE
def test_every_reason_after_any_history_follows_the_wording_rules(situation) -> None:
    reason = plan_next(situation).reason
    assert wording_problems(reason) == [], reason


def test_a_late_attempt_does_not_say_overdue_beside_its_new_time() -> None:
    monday_call = touch(oct_(6, 11, 5), outcome=Outcome.LEFT_VOICEMAIL)

    decision = plan(now=oct_(10, 13, 50), history=(monday_call,))

    assert "meant for Wed 8 Oct, this is the first open window since" in decision.reason
    assert wording_problems(decision.reason) == []


def test_a_day_a_week_ago_or_the_same_day_is_named_with_its_date() -> None:
    # "not tried since Tue" read on a Tuesday, or "today" read tomorrow, would name the wrong day.
    assert day_label(date(2026, 10, 6), today=date(2026, 10, 13)) == "Tue 6 Oct"
    assert day_label(date(2026, 10, 12), today=date(2026, 10, 13)) == "Mon 12 Oct"
    assert day_label(date(2026, 10, 13), today=date(2026, 10, 13)) == "Tue 13 Oct"


def test_themes_say_what_to_bring_and_what_was_brought_last_time() -> None:
    history = (touch(oct_(6, 11, 5), outcome=Outcome.LEFT_VOICEMAIL, theme=Theme.INFORMATION),)

    decision = plan(now=oct_(6, 11, 10), history=history)

    assert decision.reason.endswith("invite them to something (last time: information)")


def test_contacts_are_named_by_name_and_role() -> None:
    from tests.cadence.test_planner_contacts import plan, touch

    dana = ContactInfo(id=7, role=ContactRole.ASSISTANT, timezone="", has_phone=True, has_email=True, name="Dana Reyes")
    joe = replace(JOE, name="Joe Buyer")
    history = (touch(oct_(6, 11, 5), Outcome.WRONG_PERSON, contact_id=dana.id),)

    decision = plan(contacts=(dana, joe), history=history, now=oct_(6, 11, 10))

    assert "Dana Reyes (assistant) is the wrong person, trying Joe Buyer (decision maker) next" in decision.reason


def test_a_next_step_past_its_time_says_when_it_was_agreed_for() -> None:
    from cadence.planner import NextStep
    from tests.cadence.test_planner_endings import plan

    history = (touch(oct_(8, 11, 5), outcome=Outcome.CONNECTED),)

    decision = plan(now=oct_(10, 15), history=history, next_step=NextStep(what="Send lane pricing", due_at=oct_(9, 10)))

    assert decision.reason == "Next step: Send lane pricing · agreed for Thu 9 Oct, not done yet"


def test_the_rules_themselves_catch_the_old_wordings() -> None:
    old = [
        "Attempt 2 of 8 · overdue since Sun · 16:00 window",
        "Attempt 3 of 8 · every other day · 08:00 window, not tried since Tue",
        "Attempt 1 of 8 · theme: introduction (last: invitation)",
        "Attempt 2 of 8 · the assistant (#4) is the wrong person",
        "Not interested (today) · stopped for good",
    ]
    assert all(wording_problems(reason) for reason in old)
    assert wording_problems("Attempt 2 of 8 · every other day · 13:30 window, not tried yet") == []


def test_a_reason_too_long_for_its_column_drops_whole_parts_never_a_date_cut_in_two() -> None:
    parts = ["Attempt 3 of 3", "x" * 270, "not tried since Tue 31 Dec"]

    reason = line(parts)

    assert reason == f"Attempt 3 of 3{SEPARATOR}{'x' * 270}{SEPARATOR}…"
    assert len(reason) <= MAX_REASON_LENGTH
    assert wording_problems(reason) == []
