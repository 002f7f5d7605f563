"""Webhooks out, against a real HTTP receiver that verifies each signature: every event of a team's week arrives
once per delivery id, a lead's in the order they were committed; a rolled-back write sends nothing; a receiver that
is down delays only its own deliveries; a sender killed mid-delivery loses nothing; secrets rotate without a miss;
and private addresses are refused."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys

import pytest
from django.db import transaction
from django.utils import timezone

from cadence.models import Enrollment
from cadence.services import enrollments_plan, prospect_reassign
from cadence.services.inbound import InboundFields, InboundPerson, inbound_lead_create
from mailroom.models import Mailbox
from tests.factories import ProspectFactory, touch_logged
from tests.webhooks import receiver as receivers
from tests.worker import ROOT, _child_env
from touches.models import Channel, Outcome
from webhooks.models import Delivery, Endpoint
from webhooks.services import deliveries_send, delivery_replay, endpoint_add, endpoint_secret_rotate
from webhooks.signing import endpoint_secret

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hooks(team, alice, bob, cadence, eager_celery):
    made = []

    def make(*, events: list[str] | None = None, team_of=team) -> tuple[Endpoint, receivers.Receiver]:
        receiver = receivers.start(secrets=[])
        endpoint = endpoint_add(team=team_of, url=receiver.url, events=events)
        receiver.secrets.append(endpoint_secret(endpoint))
        made.append(receiver)
        return endpoint, receiver

    yield make
    for receiver in made:
        receivers.stop(receiver)


def _send_all(now: dt.datetime | None = None, rounds: int = 50) -> None:
    now = now or timezone.now()
    for _ in range(rounds):
        report = deliveries_send(now=now)
        if report.sent + report.failed == 0:
            return


def _a_week_of_one_lead(team, alice, bob, now):
    """Every kind of event a team's week has, on one lead and a mailbox."""
    lead = inbound_lead_create(
        team=team,
        via="form",
        fields=InboundFields(name="Globex Freight"),
        person=InboundPerson(name="Dana", email="dana@globex.example", phone="+1 212 555 0100"),
        now=now,
    )
    prospect = lead.prospect
    enrollment = Enrollment.objects.get(prospect=prospect, status="active")
    enrollments_plan(enrollment_ids=[enrollment.pk], now=now)
    touch_logged(
        rep=prospect.owner, now=now, prospect=prospect, channel=Channel.CALL, outcome=Outcome.NO_ANSWER, occurred_at=now
    )
    later = now + dt.timedelta(minutes=5)
    touch_logged(
        rep=prospect.owner,
        now=later,
        prospect=prospect,
        channel=Channel.CALL,
        outcome=Outcome.MEETING_BOOKED,
        occurred_at=later,
    )
    prospect.refresh_from_db()
    other = bob if prospect.owner == alice else alice
    prospect_reassign(prospect=prospect, now=later, reason="Alice is overloaded", to=other)
    touch_logged(
        rep=other, now=later, prospect=prospect, channel=Channel.CALL, outcome=Outcome.NOT_INTERESTED, occurred_at=later
    )
    Mailbox.objects.create(user=alice, from_address="alice@freight-east.example")
    Mailbox.objects.filter(user=alice).update(reconnect_since=later)
    return prospect


def test_every_event_of_a_week_arrives_once_per_id_signed_and_in_commit_order_per_lead(hooks, team, alice, bob):
    endpoint, receiver = hooks()
    now = timezone.now()

    prospect = _a_week_of_one_lead(team, alice, bob, now)
    _send_all()

    queued = list(Delivery.objects.filter(endpoint=endpoint).order_by("pk"))
    assert {d.status for d in queued} == {"delivered"}
    assert sorted(receiver.ids()) == sorted(d.msg_id for d in queued)  # each once
    per_lead = [d.msg_id for d in queued if d.prospect_id == prospect.pk]
    assert [i for i in receiver.ids() if i in per_lead] == per_lead  # the lead's, in the order they were committed
    assert all(r.verified for r in receiver.received)
    kinds = [r.type for r in receiver.received]
    for kind in (
        "lead.created",
        "touch.logged",
        "meeting.booked",
        "lead.engaged",
        "lead.handed_over",
        "lead.stopped",
        "enrollment.finished",
        "mailbox.needs_reconnect",
    ):
        assert kind in kinds, kind
    lead_events = [r for r in receiver.received if r.type != "mailbox.needs_reconnect"]
    assert lead_events[0].type == "lead.created" and lead_events[0].data["prospect"]["id"] == prospect.pk
    assert kinds.index("meeting.booked") > kinds.index("touch.logged")
    assert kinds.index("lead.stopped") > kinds.index("lead.handed_over")


def test_a_rolled_back_write_sends_nothing(hooks, team, alice):
    hooks()

    with pytest.raises(RuntimeError), transaction.atomic():
        ProspectFactory(owner=alice, name="Never Was Freight")
        raise RuntimeError("the request failed after the write")

    assert not Delivery.objects.exists()


def test_a_receiver_that_is_down_delays_its_own_deliveries_and_no_one_elses(hooks, team, alice):
    down_endpoint, down = hooks()
    up_endpoint, up = hooks()
    down.down = True
    prospects = [ProspectFactory(owner=alice, name=f"Lead {n}") for n in range(3)]
    now = timezone.now()

    _send_all(now)

    assert len(up.unique()) == 3 and Delivery.objects.filter(endpoint=up_endpoint, status="delivered").count() == 3
    waiting = Delivery.objects.filter(endpoint=down_endpoint, status="pending")
    assert waiting.count() == 3 and max(d.attempts for d in waiting) == 1
    assert Endpoint.objects.get(pk=down_endpoint.pk).failing_since is not None

    # Back up: the retries come after their backoff, each id once more, in order.
    down.down = False
    _send_all(now + dt.timedelta(seconds=3))
    assert Delivery.objects.filter(endpoint=down_endpoint, status="pending").count() == 3  # not yet due
    _send_all(now + dt.timedelta(minutes=5))
    delivered = list(Delivery.objects.filter(endpoint=down_endpoint).order_by("pk"))
    assert {d.status for d in delivered} == {"delivered"}
    assert [r.msg_id for r in down.unique()] == [d.msg_id for d in delivered]
    assert [r.data["prospect"]["id"] for r in down.unique()] == [p.pk for p in prospects]
    assert Endpoint.objects.get(pk=down_endpoint.pk).failing_since is None


def test_a_lead_waits_behind_its_own_failed_delivery_but_other_leads_do_not(hooks, team, alice):
    endpoint, receiver = hooks()
    first, second = ProspectFactory(owner=alice, name="First"), ProspectFactory(owner=alice, name="Second")
    now = timezone.now()
    head = Delivery.objects.get(endpoint=endpoint, prospect_id=first.pk)
    Delivery.objects.filter(pk=head.pk).update(next_attempt_at=now + dt.timedelta(minutes=10), attempts=1)
    touch_logged(rep=alice, now=now, prospect=first, channel=Channel.CALL, outcome=Outcome.NO_ANSWER, occurred_at=now)
    now = timezone.now()

    _send_all(now)

    assert [r.data["prospect"]["id"] for r in receiver.received] == [second.pk]
    assert Delivery.objects.filter(prospect_id=first.pk, status="pending").count() == 2


def test_a_delivery_given_up_after_a_day_can_be_replayed(hooks, team, alice):
    endpoint, receiver = hooks()
    receiver.down = True
    ProspectFactory(owner=alice)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - dt.timedelta(days=1, minutes=1))

    _send_all()
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.last_status_code == 503

    receiver.down = False
    delivery_replay(delivery=delivery, now=timezone.now())
    _send_all()
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert receiver.ids() == [delivery.msg_id, delivery.msg_id]  # the same id: the receiver drops the repeat


def test_a_sender_killed_mid_delivery_loses_nothing_and_the_retry_keeps_its_id(hooks, team, alice):
    endpoint, receiver = hooks()
    ProspectFactory(owner=alice, name="Killed Mid Flight")
    delivery = Delivery.objects.get()
    receiver.hang_next = True
    script = (
        "import django; django.setup(); from django.utils import timezone; "
        "from webhooks.services import deliveries_send; deliveries_send(now=timezone.now())"
    )
    sender = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=_child_env())
    try:
        assert receiver.arrived.wait(timeout=30), "the sender never posted"
        os.kill(sender.pid, signal.SIGKILL)
        sender.wait(timeout=10)
    finally:
        if sender.poll() is None:
            sender.kill()
    receiver.release.set()
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.leased_until is not None

    _send_all(timezone.now())  # still leased: nobody sends it twice at once
    assert len(receiver.received) == 1
    _send_all(timezone.now() + dt.timedelta(seconds=61))

    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert receiver.ids() == [delivery.msg_id, delivery.msg_id]
    assert [r.msg_id for r in receiver.unique()] == [delivery.msg_id]


def test_a_rotated_secret_signs_beside_the_old_one_for_a_day(hooks, team, alice):
    endpoint, receiver = hooks()
    old = endpoint_secret(endpoint)
    endpoint_secret_rotate(endpoint=endpoint, now=timezone.now())
    receiver.secrets[:] = [old]  # the receiver has not switched yet

    ProspectFactory(owner=alice)
    _send_all()
    receiver.secrets[:] = [endpoint_secret(endpoint)]  # it switches
    ProspectFactory(owner=alice)
    _send_all()

    assert [r.verified for r in receiver.received] == [True, True]
    assert Delivery.objects.filter(status="delivered").count() == 2


def test_an_endpoint_hears_only_its_events_and_its_team(hooks, team, alice, carol):
    touches_only, receiver = hooks(events=["touch.logged"])
    prospect = ProspectFactory(owner=alice)
    ProspectFactory(owner=carol)  # another team's lead
    now = timezone.now()
    touch_logged(
        rep=alice, now=now, prospect=prospect, channel=Channel.CALL, outcome=Outcome.NO_ANSWER, occurred_at=now
    )

    _send_all()

    assert [r.type for r in receiver.received] == ["touch.logged"]


def test_the_operators_endpoint_hears_every_team(hooks, team, alice, carol):
    _, receiver = hooks(team_of=None)
    ProspectFactory(owner=alice)
    ProspectFactory(owner=carol)

    _send_all()

    assert sorted(r.data["prospect"]["team"] for r in receiver.received) == sorted([alice.team_id, carol.team_id])


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x",
        "http://localhost/x",
        "http://10.0.0.5/x",
        "http://169.254.169.254/latest",
        "http://[::1]/",
    ],
)
def test_private_loopback_and_link_local_receivers_are_refused_unless_the_operator_allows_them(team, url, settings):
    from django.core.exceptions import ValidationError

    settings.WEBHOOK_ALLOWED_NETWORKS = []

    with pytest.raises(ValidationError, match="does not post there"):
        endpoint_add(team=team, url=url)


def test_an_address_that_turns_private_after_it_was_saved_is_refused_at_delivery(hooks, team, alice, settings):
    endpoint, receiver = hooks()
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    ProspectFactory(owner=alice)

    _send_all()

    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and "does not post there" in delivery.last_error
    assert receiver.received == []
