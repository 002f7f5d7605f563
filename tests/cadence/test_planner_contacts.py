"""Who gets the next attempt: the same person while reachable, then the best one left, by role."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from cadence.planner import (
    Action,
    Channel,
    ContactInfo,
    ContactRole,
    Decision,
    Kind,
    NextStep,
    NoDaysOff,
    Outcome,
    PastTouch,
    Rules,
    Situation,
    Theme,
    plan_next,
)

NEW_YORK = ZoneInfo("America/New_York")


def contact(id: int, role: ContactRole, *, left_company: bool = False) -> ContactInfo:
    return ContactInfo(
        id=id,
        role=role,
        timezone="America/New_York",
        has_phone=True,
        has_email=True,
        left_company=left_company,
    )


JOE = contact(1, ContactRole.DECISION_MAKER)
INFLUENCER = contact(2, ContactRole.INFLUENCER)
OTHER = contact(3, ContactRole.OTHER)
ASSISTANT = contact(4, ContactRole.ASSISTANT)
RECEPTION = contact(5, ContactRole.RECEPTIONIST)


def oct_(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 10, day, hour, minute, tzinfo=NEW_YORK)


def touch(
    at: datetime,
    outcome: Outcome = Outcome.LEFT_VOICEMAIL,
    *,
    contact_id: int | None,
    channel: Channel = Channel.CALL,
    theme: Theme = Theme.NONE,
) -> PastTouch:
    return PastTouch(
        occurred_at=at,
        channel=channel,
        kind=Kind.REGULAR,
        outcome=outcome,
        theme=theme,
        contact_id=contact_id,
    )


def plan(
    *,
    contacts: tuple[ContactInfo, ...],
    history: tuple[PastTouch, ...] = (),
    now: datetime | None = None,
    default_timezone: str = "America/New_York",
) -> Decision:
    return plan_next(
        Situation(
            rules=Rules(),
            history=history,
            contacts=contacts,
            now=now or oct_(6, 11, 20),
            days_off=NoDaysOff(),
            default_timezone=default_timezone,
        )
    )


def test_the_first_attempt_goes_to_the_decision_maker() -> None:
    decision = plan(contacts=(RECEPTION, ASSISTANT, JOE, INFLUENCER))

    assert decision.contact_id == JOE.id


def test_we_keep_chasing_the_person_we_were_chasing_while_they_are_reachable() -> None:
    history = (touch(oct_(6, 11, 5), contact_id=ASSISTANT.id),)

    decision = plan(contacts=(JOE, ASSISTANT), history=history, now=oct_(6, 12))

    assert decision.contact_id == ASSISTANT.id


def test_a_wrong_person_sends_the_next_attempt_to_the_decision_maker_right_away() -> None:
    history = (touch(oct_(6, 11, 5), Outcome.WRONG_PERSON, contact_id=ASSISTANT.id),)

    decision = plan(contacts=(ASSISTANT, JOE), history=history, now=oct_(6, 11, 10))

    assert decision.action is Action.FOLLOW_UP
    assert (decision.contact_id, decision.attempt, decision.channel) == (JOE.id, 2, Channel.CALL)
    assert decision.due_start is not None and decision.due_start.astimezone(NEW_YORK) == oct_(6, 13, 30)
    assert "the assistant is the wrong person, trying the decision maker next" in decision.reason


def test_someone_who_left_the_company_is_replaced_by_the_next_by_role() -> None:
    history = (touch(oct_(6, 11, 5), Outcome.LEFT_COMPANY, contact_id=JOE.id),)

    decision = plan(contacts=(RECEPTION, ASSISTANT, OTHER, INFLUENCER, JOE), history=history)

    assert decision.contact_id == INFLUENCER.id
    assert "the decision maker left the company" in decision.reason


@pytest.mark.parametrize(
    ("available", "expected"),
    [
        ((RECEPTION, ASSISTANT, OTHER, INFLUENCER), INFLUENCER),
        ((RECEPTION, ASSISTANT, OTHER), OTHER),
        ((RECEPTION, ASSISTANT), ASSISTANT),
        ((RECEPTION,), RECEPTION),
    ],
)
def test_the_next_contact_goes_decision_maker_influencer_other_assistant_receptionist(
    available: tuple[ContactInfo, ...], expected: ContactInfo
) -> None:
    gone = contact(9, ContactRole.DECISION_MAKER, left_company=True)
    history = (touch(oct_(6, 11, 5), Outcome.LEFT_COMPANY, contact_id=gone.id),)

    decision = plan(contacts=(gone, *available), history=history)

    assert decision.contact_id == expected.id


def test_contacts_marked_do_not_contact_or_gone_are_skipped() -> None:
    history = (touch(oct_(6, 11, 5), Outcome.WRONG_PERSON, contact_id=RECEPTION.id),)
    contacts = (
        RECEPTION,
        replace(JOE, do_not_contact=True),
        replace(INFLUENCER, left_company=True),
        ASSISTANT,
    )

    decision = plan(contacts=contacts, history=history)

    assert decision.contact_id == ASSISTANT.id


def test_nobody_left_to_try_asks_the_rep_for_a_contact() -> None:
    history = (touch(oct_(6, 11, 5), Outcome.WRONG_PERSON, contact_id=JOE.id),)

    decision = plan(contacts=(JOE, replace(ASSISTANT, do_not_contact=True)), history=history)

    assert decision.action is Action.NEEDS_CONTACT
    assert decision.reason == (
        "No one left to try: the decision maker is the wrong person, "
        "the assistant is marked do not contact · add a contact, decision maker first"
    )


def test_a_prospect_without_contacts_asks_for_the_decision_maker() -> None:
    decision = plan(contacts=())

    assert decision.action is Action.NEEDS_CONTACT
    assert decision.reason == "No contacts on file · add the decision maker"


def test_a_contact_with_no_phone_and_a_bounced_email_cannot_be_reached() -> None:
    unreachable = replace(JOE, has_phone=False)
    history = (touch(oct_(6, 11, 5), Outcome.BOUNCED, contact_id=JOE.id, channel=Channel.EMAIL),)

    decision = plan(contacts=(unreachable,), history=history)

    assert decision.action is Action.NEEDS_CONTACT
    assert "has no phone or email that works" in decision.reason


def test_a_number_that_bounced_is_not_called_again() -> None:
    history = (touch(oct_(6, 11, 5), Outcome.BOUNCED, contact_id=JOE.id),)

    decision = plan(contacts=(JOE,), history=history)

    assert decision.channel is Channel.EMAIL


def test_themes_are_tracked_per_contact() -> None:
    history = (
        touch(oct_(6, 11, 5), contact_id=ASSISTANT.id, theme=Theme.INFORMATION),
        touch(oct_(6, 11, 30), Outcome.WRONG_PERSON, contact_id=ASSISTANT.id),
    )

    decision = plan(contacts=(ASSISTANT, JOE), history=history, now=oct_(6, 11, 40))

    assert (decision.contact_id, decision.theme) == (JOE.id, Theme.INFORMATION)


def test_touches_without_a_contact_count_for_everyone_at_the_prospect() -> None:
    history = (touch(oct_(6, 11, 5), contact_id=None, theme=Theme.INFORMATION),)

    decision = plan(contacts=(JOE,), history=history, now=oct_(6, 12))

    assert (decision.contact_id, decision.theme) == (JOE.id, Theme.INVITATION)


def test_windows_follow_the_contacts_own_timezone() -> None:
    london = replace(JOE, timezone="Europe/London")

    decision = plan(contacts=(london,), now=oct_(6, 6))  # 11:00 in London

    assert decision.due_start is not None
    assert decision.due_start.astimezone(ZoneInfo("Europe/London")).time() == time(11)


def test_a_contact_with_an_unknown_timezone_uses_the_prospects() -> None:
    lost = replace(JOE, timezone="Not/A_Zone")

    decision = plan(contacts=(lost,), now=oct_(6, 6), default_timezone="Europe/London")

    assert decision.due_start is not None
    assert decision.due_start.astimezone(ZoneInfo("Europe/London")).time() == time(11)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        touch(datetime(2025, 10, 6, 11), contact_id=1)
    with pytest.raises(ValueError, match="timezone-aware"):
        NextStep(what="Send pricing", due_at=datetime(2025, 10, 9, 10))


def test_contacts_must_have_distinct_ids() -> None:
    with pytest.raises(ValueError, match="distinct"):
        plan(contacts=(JOE, JOE))
