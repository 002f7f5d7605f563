"""Covered and handed-over leads spread across the reps who can take them, by load, never more than the team's daily
budget of new work a rep a day; a rep who never logged in gets no leads at all."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from cadence.models import Enrollment, LeadEvent
from cadence.services import enrollment_create, prospect_reassign
from cadence.services.absences import absences_apply, rep_deactivate
from cadence.services.imports import import_job_configure, import_job_run, import_job_start
from crm.imports import import_preview_build
from crm.models import Absence, Prospect, Team, User
from tests.cadence.helpers import MONDAY_MORNING
from tests.factories import ContactFactory, ManagerFactory, ProspectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_reps(team, cadence):
    """Lee, who is about to be away or to leave, and four teammates: three with 10 open leads, one new with none."""
    lee = UserFactory(username="lee", first_name="Lee", team=team)
    others = [UserFactory(username=name, first_name=name.title(), team=team) for name in ("sam", "jo", "priya")]
    newbie = UserFactory(username="nia", first_name="Nia", team=team)
    for rep in others:
        for n in range(10):
            ProspectFactory(owner=rep, name=f"{rep.username} lead {n}")
    return lee, [*others, newbie]


def _leads(rep, count: int) -> list[Enrollment]:
    enrollments = []
    with TestCase.captureOnCommitCallbacks(execute=False):
        for n in range(count):
            prospect = ProspectFactory(owner=rep, name=f"{rep.username} own {n}")
            ContactFactory(prospect=prospect)
            enrollments.append(enrollment_create(prospect=prospect, now=MONDAY_MORNING - dt.timedelta(days=20)))
    return enrollments


def _open_load(rep: User) -> int:
    return (
        Prospect.objects.filter(owner=rep, status__in=["active", "engaged"]).count()
        + Prospect.objects.filter(covered_by=rep).count()
    )


def test_an_absent_reps_leads_are_covered_by_all_four_teammates_by_load_not_by_the_newest_alone(team, five_reps):
    Team.objects.filter(pk=team.pk).update(absence_coverage=Team.Coverage.COVER)
    lee, teammates = five_reps
    _leads(lee, 38)
    Absence.objects.create(user=lee, starts_on=MONDAY_MORNING.date(), ends_on=MONDAY_MORNING.date())

    with TestCase.captureOnCommitCallbacks(execute=False):
        absences_apply(now=MONDAY_MORNING)

    covers = Counter(Prospect.objects.filter(owner=lee).values_list("covered_by__username", flat=True))
    assert sum(covers.values()) == 38
    assert covers["nia"] == 17 and {covers[name] for name in ("sam", "jo", "priya")} == {7}
    loads = [_open_load(rep) for rep in teammates]
    assert max(loads) - min(loads) <= 1  # as even as it can be


def test_coverage_never_gives_a_rep_more_than_the_daily_budget_and_holds_the_rest_saying_why(team, five_reps):
    Team.objects.filter(pk=team.pk).update(absence_coverage=Team.Coverage.COVER, daily_new_leads=5)
    lee, _ = five_reps
    _leads(lee, 38)
    Absence.objects.create(user=lee, starts_on=MONDAY_MORNING.date(), ends_on=MONDAY_MORNING.date())

    with TestCase.captureOnCommitCallbacks(execute=False):
        absences_apply(now=MONDAY_MORNING)

    covers = Counter(Prospect.objects.filter(owner=lee).exclude(covered_by=None).values_list("covered_by", flat=True))
    assert sorted(covers.values()) == [5, 5, 5, 5]
    held = Enrollment.objects.filter(owner=lee, status=Enrollment.Status.PAUSED)
    assert held.count() == 18
    assert LeadEvent.objects.filter(kind="held", detail__contains="taken a day's new work").count() == 18


def test_a_deactivated_reps_leads_spread_by_load_within_the_budget_and_the_rest_start_on_the_next_days(
    team, five_reps, maria
):
    Team.objects.filter(pk=team.pk).update(daily_new_leads=5)
    lee, _ = five_reps
    _leads(lee, 38)

    with TestCase.captureOnCommitCallbacks(execute=False):
        rep_deactivate(rep=User.objects.get(pk=lee.pk), actor=maria, now=MONDAY_MORNING)

    fresh = Enrollment.objects.filter(status=Enrollment.Status.ACTIVE, prospect__name__startswith="lee own")
    per_day = Counter((e.owner.username, e.started_at.date()) for e in fresh.select_related("owner"))
    assert fresh.count() == 38 and max(per_day.values()) <= 5
    today = Counter(e.owner.username for e in fresh.select_related("owner") if e.started_at == MONDAY_MORNING)
    assert sorted(today.values()) == [5, 5, 5, 5]
    later = fresh.exclude(started_at=MONDAY_MORNING)
    assert later.count() == 18 and all(e.started_at > MONDAY_MORNING for e in later)


def test_hand_overs_one_at_a_time_go_to_the_least_loaded_until_the_budget_then_the_next(team, five_reps):
    Team.objects.filter(pk=team.pk).update(daily_new_leads=3)
    lee, _ = five_reps
    leads = _leads(lee, 6)

    with TestCase.captureOnCommitCallbacks(execute=False):
        owners = [
            prospect_reassign(prospect=e.prospect, now=MONDAY_MORNING, reason="Lee has no time").username for e in leads
        ]

    assert owners[:3] == ["nia"] * 3  # the least loaded, until her budget for the day is spent
    assert "nia" not in owners[3:]


def test_a_rep_who_never_logged_in_gets_no_leads_from_imports_hand_overs_or_coverage(client, team, cadence, maria):
    Team.objects.filter(pk=team.pk).update(absence_coverage=Team.Coverage.COVER)
    lee = UserFactory(username="lee", team=team)
    invited = UserFactory(
        username="nia.park", first_name="Nia", email="nia.park@ridgeline.example", team=team, last_login=None
    )
    working = UserFactory(username="sam", team=team)
    text = "Company,Contact,Email\n" + "".join(f"Lead {n},Ann {n},ann{n}@lead{n}.example\n" for n in range(10))
    preview = import_preview_build(user=maria, text=text)
    job = import_job_start(user=maria, file_name="leads.csv", data=text.encode())
    import_job_configure(job=job, columns=job.columns, roles={}, options={"owner": "spread"}, now=MONDAY_MORNING)
    job.state = "queued"
    job.save()
    with TestCase.captureOnCommitCallbacks(execute=False):
        import_job_run(job_id=job.pk, now=MONDAY_MORNING)
        handed = [prospect_reassign(prospect=e.prospect, now=MONDAY_MORNING, reason="test") for e in _leads(lee, 3)]
    assert preview.count("create") == 10 and Prospect.objects.filter(owner__in=[lee, working]).count() == 10 + 3
    assert not Prospect.objects.filter(owner=invited).exists()
    assert handed == [working] * 3

    client.force_login(maria)
    page = client.get(reverse("rep_list", args=[team.pk])).content.decode()
    assert "Invited, not logged in yet: gets no leads" in page
    mail.outbox.clear()
    client.post(reverse("rep_invite_again", args=[team.pk, invited.pk]), {"submission": str(uuid.uuid4())})
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "nia.park\n" in body and "nia.park." not in body


def test_the_reps_page_and_the_dashboard_say_who_covers_whom(client, team, five_reps, maria):
    Team.objects.filter(pk=team.pk).update(absence_coverage=Team.Coverage.COVER)
    lee, _ = five_reps
    _leads(lee, 4)
    now = timezone.now()
    Absence.objects.create(user=lee, starts_on=now.date(), ends_on=now.date() + dt.timedelta(days=2))
    with TestCase.captureOnCommitCallbacks(execute=False):
        absences_apply(now=now)
    client.force_login(maria)

    reps_page = client.get(reverse("rep_list", args=[team.pk])).content.decode()
    dashboard = client.get(reverse("dashboard")).content.decode()

    assert "Nia covers 4 of their leads" in reps_page and "Covers 4 of Lee’s leads" in reps_page
    assert "away until" in dashboard and "covers 4 of Lee’s leads" in dashboard


@pytest.fixture
def maria(team):
    return ManagerFactory(username="maria", first_name="Maria", team=team)
