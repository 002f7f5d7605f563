"""Bulk sync is set-based: the same effects as logging each touch with `touch_log`, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadence.models import Enrollment, FollowUp
from cadence.services import enrollment_create, touch_log, touches_bulk_sync
from crm.models import Contact, Prospect
from tests.api.conftest import touch_body
from tests.cadence.helpers import MONDAY_MORNING
from tests.factories import ContactFactory, ProspectFactory
from touches.data import TouchData
from touches.models import Channel, Kind, Outcome, Source, Touch

NOW = MONDAY_MORNING + dt.timedelta(days=1)


def _enrolled(alice: Any, capture: Any, *, next_step: bool = False) -> tuple[Prospect, Contact]:
    """An enrolled prospect with its first follow-up planned (planning needs someone to call)."""
    prospect = ProspectFactory(owner=alice)
    contact = ContactFactory(prospect=prospect)
    with time_machine.travel(MONDAY_MORNING, tick=False), capture(execute=True):
        enrollment = enrollment_create(prospect=prospect, now=MONDAY_MORNING)
    if next_step:
        FollowUp.objects.filter(enrollment=enrollment, status=FollowUp.Status.PLANNED).update(is_next_step=True)
        Enrollment.objects.filter(pk=enrollment.pk).update(next_step="Send the deck", next_step_due_at=NOW)
    assert FollowUp.objects.filter(enrollment=enrollment, status=FollowUp.Status.PLANNED).exists()
    return prospect, contact


def _world(alice: Any, capture: Any) -> tuple[list[Prospect], list[Contact], list[TouchData]]:
    """Prospects, contacts and touches exercising every effect of an outcome, in an order where order matters."""
    p1, _ = _enrolled(alice, capture, next_step=True)
    p2, c1 = _enrolled(alice, capture)
    p3, c3 = _enrolled(alice, capture)
    p4 = ProspectFactory(owner=alice)
    c2 = ContactFactory(prospect=p2)
    specs: list[tuple[Prospect, Contact | None, str, str, str]] = [
        (p1, None, Channel.CALL, Kind.REGULAR, Outcome.NO_ANSWER),
        (p1, None, Channel.CALL, Kind.REGULAR, Outcome.CONNECTED),
        (p2, c1, Channel.CALL, Kind.REGULAR, Outcome.WRONG_PERSON),
        (p2, c2, Channel.EMAIL, Kind.REGULAR, Outcome.BOUNCED),
        (p2, c1, Channel.CALL, Kind.REGULAR, Outcome.BOUNCED),
        (p3, None, Channel.OTHER, Kind.REGULAR, Outcome.NO_ANSWER),  # a note: answers nothing
        (p3, c3, Channel.CALL, Kind.REGULAR, Outcome.CONNECTED),
        (p3, c3, Channel.CALL, Kind.REGULAR, Outcome.NOT_INTERESTED),
        (p3, c3, Channel.EMAIL, Kind.REGULAR, Outcome.OPTED_OUT),
        (p4, None, Channel.EMAIL, Kind.REGULAR, Outcome.REPLIED),
    ]
    touches = [
        TouchData(
            id=uuid.uuid4(),
            prospect=prospect,
            contact=contact,
            channel=channel,
            kind=kind,
            outcome=outcome,
            occurred_at=NOW - dt.timedelta(minutes=30 - n),
        )
        for n, (prospect, contact, channel, kind, outcome) in enumerate(specs)
    ]
    return [p1, p2, p3, p4], [c1, c2, c3], touches


def _state(prospects: list[Prospect], contacts: list[Contact], touches: list[TouchData]) -> dict[str, Any]:
    position = {data.id: n for n, data in enumerate(touches)}
    enrollments = [Enrollment.objects.filter(prospect=p).first() for p in prospects]
    return {
        "prospects": [Prospect.objects.get(pk=p.pk).status for p in prospects],
        "contacts": [
            Contact.objects.filter(pk=c.pk)
            .values("wrong_person", "left_company", "do_not_contact", "email_bounced")
            .get()
            for c in contacts
        ],
        "enrollments": [
            None
            if e is None
            else (
                e.next_step,
                e.next_step_due_at,
                e.replan_requested_at is not None,
                [
                    (f.attempt, f.status, position.get(f.touch_id), f.completed_at)
                    for f in FollowUp.objects.filter(enrollment=e).order_by("attempt")
                ],
            )
            for e in enrollments
        ],
        "touches": sorted(Touch.objects.filter(pk__in=position).values_list("outcome", "source")),
    }


@pytest.mark.django_db
def test_bulk_has_the_effects_of_logging_each_touch(alice, cadence, django_capture_on_commit_callbacks):
    one_by_one = _world(alice, django_capture_on_commit_callbacks)
    in_bulk = _world(alice, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=False):
        for data in one_by_one[2]:
            touch_log(rep=alice, data=data, now=NOW, source=Source.API)
    with django_capture_on_commit_callbacks(execute=False) as planning:
        report = touches_bulk_sync(rep=alice, items=in_bulk[2], now=NOW)

    assert [r.status for r in report.results] == ["created"] * len(in_bulk[2])
    expected, got = _state(*one_by_one), _state(*in_bulk)
    assert got == expected
    assert [f[1:3] for f in got["enrollments"][0][3]] == [("done", 0)]  # answered by the first touch
    assert got["enrollments"][0][:2] == ("", None)  # the agreed next step happened
    assert got["prospects"] == [
        Prospect.Status.ENGAGED,
        Prospect.Status.ACTIVE,
        Prospect.Status.LOST,
        Prospect.Status.ENGAGED,
    ]
    # One planning task per enrollment answered, not one per touch.
    assert len(planning) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("size", [4, 40])
def test_a_bulk_call_costs_the_same_queries_for_4_or_40_touches(
    size, alice, cadence, django_capture_on_commit_callbacks
):
    outcomes = [Outcome.NO_ANSWER, Outcome.CONNECTED, Outcome.WRONG_PERSON, Outcome.NOT_INTERESTED]
    prospects, contacts = zip(*[_enrolled(alice, django_capture_on_commit_callbacks) for _ in range(4)], strict=True)
    items = [
        TouchData(
            id=uuid.uuid4(),
            prospect=prospects[n % 4],
            contact=contacts[n % 4],
            channel=Channel.CALL,
            outcome=outcomes[n % 4],
            occurred_at=NOW - dt.timedelta(minutes=n + 1),
        )
        for n in range(size)
    ]
    touches_bulk_sync(rep=alice, items=items[:1], now=NOW)  # one already there: it is compared, not written
    replayed = replace(items[1], note="other")  # the same id, other content: a conflict
    future = replace(items[2], id=uuid.uuid4(), occurred_at=NOW + dt.timedelta(days=1))

    with CaptureQueriesContext(connection) as queries:
        report = touches_bulk_sync(rep=alice, items=[*items, replayed, future], now=NOW)

    statuses = [r.status for r in report.results]
    assert statuses == ["unchanged"] + ["created"] * (size - 1) + ["error", "error"]
    assert [r.code for r in report.results[-2:]] == ["conflict", "invalid"]
    # Savepoint, lock, INSERT, 2 contact flags, 2 prospect statuses, open enrollments, follow-ups done (with next
    # steps cleared and planning requested in the same statement), release: 10 for any number of touches.
    assert len(queries) == 10, [q["sql"][:120] for q in queries.captured_queries]


@pytest.mark.django_db
@pytest.mark.parametrize("size", [4, 40])
def test_the_bulk_endpoint_costs_the_same_queries_for_4_or_40_touches(
    size, api, alice, cadence, django_capture_on_commit_callbacks
):
    outcomes = [Outcome.NO_ANSWER, Outcome.CONNECTED, Outcome.WRONG_PERSON, Outcome.NOT_INTERESTED]
    prospects, contacts = zip(*[_enrolled(alice, django_capture_on_commit_callbacks) for _ in range(4)], strict=True)
    bodies = [touch_body(prospects[n % 4], contact=contacts[n % 4].pk, outcome=outcomes[n % 4]) for n in range(size)]

    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/touches/bulk/", {"touches": bodies}, format="json")

    assert [r["status"] for r in response.json()["results"]] == ["created"] * size
    # The token, the visible prospects, their contacts, then the service's 10 (see above); and the rows loaded
    # are all the services read of them: no query per prospect or contact.
    assert len(queries) == 13, [q["sql"][:120] for q in queries.captured_queries]


@pytest.mark.django_db
def test_items_that_are_not_touches_get_the_errors_of_a_serializer_of_their_own(api, prospect):
    from api.views.touches import TouchInputSerializer, _plain_errors

    good = touch_body(prospect)
    malformed = [None, 5, "touch", [], {}, {**touch_body(prospect), "channel": "fax", "occurred_at": "yesterday"}]

    response = api.post("/api/v1/touches/bulk/", {"touches": [*malformed, good]}, format="json")

    results = response.json()["results"]
    assert [r["status"] for r in results] == ["error"] * len(malformed) + ["created"]
    for item, result in zip(malformed, results, strict=False):
        alone = TouchInputSerializer(data=item)
        assert not alone.is_valid()
        assert result["fields"] == _plain_errors(alone.errors)
