"""Inbound leads are called within minutes: never paced behind an import, routed by the team's rules, their rep
told, and handed to the next rep when nobody tries them in time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from cadence.models import Enrollment, FollowUp, InboundLead, LeadEvent, RoutingRule
from cadence.scheduler import scheduler_sweep
from cadence.services import enrollments_plan
from cadence.services.imports import leads_import_confirm
from cadence.services.inbound import InboundFields, InboundPerson, inbound_lead_create, inbound_sla_sweep
from crm.imports import import_preview_build
from crm.models import Team, User
from tests.factories import ContactFactory, ProspectFactory, UserFactory, touch_logged
from touches.models import Channel, Outcome

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# Tuesday 3 March 2026, 10:00 in New York (16:00 in Berlin): a working morning for the team.
TUESDAY = dt.datetime(2026, 3, 3, 10, 0, tzinfo=NEW_YORK)


def _arrive(team: Team, now: dt.datetime = TUESDAY, **fields) -> InboundLead:
    person = InboundPerson(
        name=fields.pop("person", "Dana Reyes"),
        email=fields.pop("email", "dana@globex-freight.com"),
        phone=fields.pop("phone", ""),
    )
    fields.setdefault("name", "Globex Freight")
    lead = inbound_lead_create(
        team=team, via=InboundLead.Via.FORM, fields=InboundFields(**fields), person=person, now=now
    )
    enrollment = Enrollment.objects.filter(prospect=lead.prospect, status="active").first()
    if enrollment is not None:
        enrollments_plan(enrollment_ids=[enrollment.pk], now=now)
    return lead


def _first_follow_up(lead: InboundLead) -> FollowUp:
    return FollowUp.objects.get(prospect=lead.prospect, status=FollowUp.Status.PLANNED)


def _import(user: User, count: int, now: dt.datetime) -> None:
    text = "Company,Contact,Email,Country\n" + "".join(
        f"{user} Lead {n},Contact {n},c{n}@{user}-lead{n}.example,US\n" for n in range(count)
    )
    preview = import_preview_build(user=user, text=text)
    leads_import_confirm(user=user, text=text, now=now, expected_digest=preview.digest)


@pytest.fixture
def setup(team, alice, bob, cadence):
    for rep in (alice, bob):
        rep.timezone = "America/New_York"
        rep.email = f"{rep.username}@freight-east.example"
        rep.save()
    return team


def test_an_inbound_lead_after_an_import_that_spent_the_days_budget_is_due_now_not_in_weeks(setup, alice, bob):
    Team.objects.filter(pk=setup.pk).update(daily_new_leads=5)
    _import(alice, 40, TUESDAY - dt.timedelta(hours=1))
    _import(bob, 40, TUESDAY - dt.timedelta(hours=1))
    scheduler_sweep(now=TUESDAY - dt.timedelta(minutes=30))

    lead = _arrive(setup, country="US", region="NY", phone="+1 212 555 0100")

    follow_up = _first_follow_up(lead)
    assert follow_up.due_start == TUESDAY
    assert follow_up.due_end <= TUESDAY + dt.timedelta(minutes=15)
    assert follow_up.channel == "call"
    assert "new inbound" in follow_up.reason and "call now" in follow_up.reason
    assert Enrollment.objects.get(prospect=lead.prospect, status="active").started_at == TUESDAY


def test_an_inbound_lead_outside_the_contacts_calling_hours_is_due_when_they_open_on_their_clock(setup):
    # 16:00 in New York is 22:00 in Berlin: calling hours there are over, they open at 08:00 Wednesday.
    lead = _arrive(setup, now=TUESDAY + dt.timedelta(hours=6), country="DE", phone="+49 30 1234567")

    follow_up = _first_follow_up(lead)
    assert follow_up.due_start == dt.datetime(2026, 3, 4, 8, 0, tzinfo=BERLIN)
    assert "first call on Wed 4 Mar at 08:00 their time, when calling opens" in follow_up.reason


def test_the_rep_who_already_works_the_company_gets_it(setup, alice, bob):
    owned = ProspectFactory(owner=bob, name="Initech Logistics")
    ContactFactory(prospect=owned, email="boss@initech.example")

    by_name = _arrive(setup, name="initech logistics", email="x@gmail.com")
    by_domain = _arrive(setup, name="Initech Freight GmbH", email="new.person@initech.example")
    free_mail = _arrive(setup, name="Someone Else", email="another@gmail.com")

    assert by_name.owner == bob and by_name.placed_by.startswith("Account owner")
    assert by_domain.owner == bob
    assert not free_mail.placed_by.startswith("Account owner")


def test_rules_place_by_territory_value_and_language_then_round_robin(setup, alice, bob):
    carla = UserFactory(username="carla", team=setup, languages=["de"])
    territory = RoutingRule.objects.create(team=setup, position=1, name="Bavaria", countries=["DE"], regions=["BY"])
    territory.reps.set([alice])
    big = RoutingRule.objects.create(team=setup, position=2, name="Enterprise", min_value=Decimal("50000"))
    big.reps.set([bob])
    RoutingRule.objects.create(team=setup, position=3, name="German speakers", languages=["de"])

    bavaria = _arrive(setup, name="Brauerei Süd", country="DE", region="by", email="a@sued.example")
    enterprise = _arrive(setup, name="Megacorp", estimated_value=Decimal("80000"), email="b@mega.example")
    german = _arrive(setup, name="Wiener Spedition", country="AT", language="de", email="c@wien.example")
    rest = [_arrive(setup, name=f"Small {n}", email=f"d@small{n}.example") for n in range(6)]

    assert bavaria.owner == alice and "Rule 1, Bavaria (country DE, region by)" in bavaria.placed_by
    assert enterprise.owner == bob and "worth at least 50,000" in enterprise.placed_by
    assert german.owner == carla and "German speakers" in german.placed_by
    assert all(lead.placed_by.startswith("Round robin among 3") for lead in rest)
    # Even over the month: everyone ends with three inbound leads.
    counts = {rep: InboundLead.objects.filter(owner=rep).count() for rep in (alice, bob, carla)}
    assert counts == {alice: 3, bob: 3, carla: 3}


def test_round_robin_skips_the_away_the_unjoined_and_the_full_and_honours_weights(setup, alice, bob):
    away = UserFactory(username="away", team=setup, away_until=TUESDAY.date() + dt.timedelta(days=3))
    invited = UserFactory(username="invited", team=setup, last_login=None)
    heavy = UserFactory(username="heavy", team=setup, routing_weight=2)
    Team.objects.filter(pk=setup.pk).update(rep_capacity=6)
    setup.refresh_from_db()
    ProspectFactory.create_batch(6, owner=bob)

    leads = [_arrive(setup, name=f"Lead {n}", email=f"e@lead{n}.example") for n in range(9)]

    owners = [lead.owner for lead in leads]
    assert away not in owners and invited not in owners and bob not in owners
    assert owners.count(heavy) == 6 and owners.count(alice) == 3


def test_the_rep_is_emailed_at_once(setup, alice, bob, django_capture_on_commit_callbacks, eager_celery):
    with django_capture_on_commit_callbacks(execute=True):
        lead = _arrive(setup, message="We need 40 trucks a week from Hamburg")

    (sent,) = mail.outbox
    assert sent.to == [lead.owner.email]
    assert sent.subject == "New inbound lead: Globex Freight, call now"
    assert "We need 40 trucks a week from Hamburg" in sent.body
    assert "Call by 10:15 your time" in sent.body


def test_a_lead_nobody_tried_in_time_goes_to_the_next_rep_and_the_manager_is_told(
    setup, alice, bob, maria, django_capture_on_commit_callbacks, eager_celery
):
    maria.email = "maria@freight-east.example"
    maria.save()
    lead = _arrive(setup)
    first = lead.owner
    assert lead.sla_due_at == TUESDAY + dt.timedelta(minutes=15)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert inbound_sla_sweep(now=TUESDAY + dt.timedelta(minutes=14)).tried == 0
        report = inbound_sla_sweep(now=TUESDAY + dt.timedelta(minutes=16))

    lead.refresh_from_db()
    second = ({alice, bob} - {first}).pop()
    assert report.rerouted == 1
    assert lead.owner == second and lead.prospect.owner == second
    assert lead.tried_rep_ids == [first.pk, second.pk]
    assert lead.sla_due_at == TUESDAY + dt.timedelta(minutes=31)
    event = lead.prospect.events.get(kind=LeadEvent.Kind.SLA_MISSED)
    assert f"{first} did not try it within 15 minutes" in event.detail and f"given to {second}" in event.detail
    assert {tuple(m.to) for m in mail.outbox} == {(second.email,), (maria.email,)}
    enrollment = Enrollment.objects.get(prospect=lead.prospect, status="active")
    enrollments_plan(enrollment_ids=[enrollment.pk], now=TUESDAY + dt.timedelta(minutes=16))
    follow_up = _first_follow_up(lead)
    assert follow_up.rep_id == second.pk
    assert "new inbound" in follow_up.reason

    # Nobody else is left: it stays with the second rep, and the manager hears of it.
    inbound_sla_sweep(now=TUESDAY + dt.timedelta(minutes=32))
    lead.refresh_from_db()
    assert lead.owner == second and lead.sla_due_at is None


def test_a_first_attempt_on_any_path_stops_the_clock(setup, alice):
    lead = _arrive(setup)

    touch_logged(
        prospect=lead.prospect,
        rep=lead.owner,
        channel=Channel.CALL,
        outcome=Outcome.NO_ANSWER,
        occurred_at=TUESDAY + dt.timedelta(minutes=4),
        now=TUESDAY + dt.timedelta(minutes=4),
    )

    lead.refresh_from_db()
    assert lead.first_attempt_at == TUESDAY + dt.timedelta(minutes=4)
    assert lead.first_attempt_by == lead.owner
    assert lead.sla_due_at is None
    assert inbound_sla_sweep(now=TUESDAY + dt.timedelta(hours=1)).tried == 0


def test_the_limit_counts_in_the_reps_working_hours(setup, alice, bob):
    friday_evening = dt.datetime(2026, 3, 6, 17, 55, tzinfo=NEW_YORK)

    lead = _arrive(setup, now=friday_evening)

    assert lead.sla_due_at == dt.datetime(2026, 3, 9, 8, 10, tzinfo=NEW_YORK)


def test_a_form_tools_retried_delivery_makes_one_lead(setup):
    fields, person = InboundFields(name="Globex"), InboundPerson(email="dana@globex.example")

    one = inbound_lead_create(team=setup, via="webhook", fields=fields, person=person, now=TUESDAY, external_id="msg_1")
    two = inbound_lead_create(team=setup, via="webhook", fields=fields, person=person, now=TUESDAY, external_id="msg_1")

    assert one.pk == two.pk and InboundLead.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_leads_arriving_at_once_go_to_two_reps(team, alice, bob, cadence):
    import threading

    from django.db import connection

    results: list[int] = []
    barrier = threading.Barrier(2)

    def arrive(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            lead = inbound_lead_create(
                team=Team.objects.get(pk=team.pk),
                via="form",
                fields=InboundFields(name=f"Same Moment {n}"),
                person=InboundPerson(email=f"x@moment{n}.example"),
                now=TUESDAY,
            )
            results.append(lead.owner_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=arrive, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == sorted([alice.pk, bob.pk])
