"""A manager undoes an import within 14 days (what it created goes, what it merged is taken back, what a rep worked
since stays and is counted), hands any selection of leads to a rep with a result per lead, and an import confirmed
while the queue was down is run by the next sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from cadence.models import Enrollment, FollowUp
from cadence.services import prospects_reassign
from cadence.services.imports import (
    import_job_configure,
    import_job_run,
    import_job_start,
    import_job_undo_request,
    import_job_undo_run,
    imports_requeue,
)
from crm.models import Contact, ImportJob, Prospect
from tests.factories import ContactFactory, ManagerFactory, ProspectFactory, TeamFactory, touch_logged

pytestmark = pytest.mark.django_db

FILE = (
    "Company,Contact,Email,Phone\n"
    "Acme,Ann,ann@acme.example,+1 212 555 0101\n"
    "Beta,Bo,bo@beta.example,+1 212 555 0102\n"
    "Gamma,Cy,cy@gamma.example,+1 212 555 0103\n"
    "Known Co,Di,di@known.example,+1 212 555 0104\n"
)


def _imported(user, text: str = FILE) -> ImportJob:
    job = import_job_start(user=user, file_name="leads.csv", data=text.encode())
    import_job_configure(job=job, columns=job.columns, roles={}, options={"owner": "me"}, now=timezone.now())
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED)
    with TestCase.captureOnCommitCallbacks(execute=False):
        import_job_run(job_id=job.pk, now=timezone.now())
    job.refresh_from_db()
    return job


def test_undoing_an_import_removes_what_it_created_takes_back_what_it_merged_and_keeps_what_was_worked(
    alice, maria, cadence
):
    known = ProspectFactory(owner=alice, name="Known Co")
    ContactFactory(prospect=known, name="Old Contact", email="old@known.example")
    job = _imported(alice)
    assert job.created_count == 3 and Contact.objects.filter(prospect=known).count() == 2
    worked = Prospect.objects.get(name="Beta")
    now = timezone.now()
    with TestCase.captureOnCommitCallbacks(execute=False):
        touch_logged(
            rep=alice,
            prospect=worked,
            contact=worked.contacts.get(),
            channel="call",
            outcome="no_answer",
            theme="none",
            occurred_at=now,
            now=now,
        )

    with TestCase.captureOnCommitCallbacks(execute=False):
        import_job_undo_request(job=job, user=maria, now=now)
    import_job_undo_run(job_id=job.pk, now=now)

    job.refresh_from_db()
    assert set(Prospect.objects.values_list("name", flat=True)) == {"Known Co", "Beta"}
    assert list(Contact.objects.filter(prospect=known).values_list("name", flat=True)) == ["Old Contact"]
    assert job.undo_summary == {"removed": 2, "kept_worked": 1, "contacts_taken_back": 1, "contacts_kept_worked": 0}
    assert not Enrollment.objects.exclude(prospect__in=Prospect.objects.all()).exists()
    assert not FollowUp.objects.filter(prospect__name__in=["Acme", "Gamma"]).exists()
    with pytest.raises(ValidationError, match="has been undone"):
        import_job_undo_request(job=job, user=maria, now=now)


def test_an_import_is_undone_only_within_14_days_and_only_by_its_importer_or_a_manager_of_its_team(alice, bob, team):
    job = _imported(alice)
    stranger = ManagerFactory(team=TeamFactory())

    with pytest.raises(ValidationError, match="Only whoever imported it"):
        import_job_undo_request(job=job, user=bob, now=timezone.now())
    with pytest.raises(ValidationError, match="Only whoever imported it"):
        import_job_undo_request(job=job, user=stranger, now=timezone.now())
    with pytest.raises(ValidationError, match="within 14 days"):
        import_job_undo_request(job=job, user=alice, now=job.finished_at + dt.timedelta(days=15))
    assert Prospect.objects.count() == 4


def test_the_undo_button_on_the_result_page_undoes_it_through_the_worker(
    client, alice, cadence, eager_celery, django_capture_on_commit_callbacks
):
    job = _imported(alice)
    client.force_login(alice)

    page = client.get(reverse("import_progress", args=[job.pk])).content.decode()
    assert "Undo this import" in page
    submission = page.split('name="submission" value="')[1].split('"')[0]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import_undo", args=[job.pk]), {"submission": submission})

    job.refresh_from_db()
    assert job.undone_at is not None and not Prospect.objects.exists()
    result = client.get(reverse("import_progress", args=[job.pk])).content.decode()
    assert "<strong>4</strong> prospects it created removed" in result


def test_a_manager_hands_50_leads_to_a_rep_at_once_with_a_result_per_lead(maria, alice, bob, cadence):
    leads = [ProspectFactory(owner=alice, team=alice.team, name=f"Lead {n:02d}") for n in range(49)]
    leads.append(ProspectFactory(owner=bob, team=bob.team, name="Already Bob's"))
    won = ProspectFactory(owner=alice, team=alice.team, name="Won Co", status=Prospect.Status.WON)
    elsewhere = ProspectFactory(name="Another team's")

    with TestCase.captureOnCommitCallbacks(execute=False):
        results = prospects_reassign(
            actor=maria,
            prospect_ids=[p.pk for p in leads] + [won.pk, elsewhere.pk],
            to=bob,
            reason="Alice is on the big account",
            now=timezone.now(),
        )

    outcomes = {r.name or r.prospect_id: r.outcome for r in results}
    assert sum(1 for o in outcomes.values() if o == "handed") == 49
    assert outcomes["Already Bob's"] == "already" and outcomes["Won Co"] == "refused"
    assert outcomes[elsewhere.pk] == "refused"
    assert Prospect.objects.filter(owner=bob).count() == 50
    assert Prospect.objects.get(pk=elsewhere.pk).owner != bob


def test_the_list_hands_every_lead_matching_its_filters_in_one_action(client, maria, alice, bob, cadence):
    for n in range(30):
        ProspectFactory(owner=alice, team=alice.team, name=f"Harbor {n:02d}")
    ProspectFactory(owner=alice, team=alice.team, name="Elsewhere Ltd")
    client.force_login(maria)
    page = client.get(reverse("prospect_list"), {"q": "harbor"}).content.decode()
    submission = page.split('name="submission" value="')[1].split('"')[0]

    with TestCase.captureOnCommitCallbacks(execute=False):
        response = client.post(
            reverse("prospects_reassign"),
            {
                "all_matching": "on",
                "query": "q=harbor",
                "to": bob.pk,
                "reason": "Rebalancing",
                "submission": submission,
            },
        )

    assert response.status_code == 200
    assert "<strong>30</strong> handed over" in response.content.decode()
    assert Prospect.objects.filter(owner=bob).count() == 30
    assert Prospect.objects.get(name="Elsewhere Ltd").owner == alice


def test_a_rep_cannot_hand_leads_over(client, alice, bob):
    lead = ProspectFactory(owner=alice, team=alice.team)
    client.force_login(alice)

    response = client.post(reverse("prospects_reassign"), {"ids": [lead.pk], "to": bob.pk, "reason": "x"})

    assert response.status_code == 403 and Prospect.objects.get(pk=lead.pk).owner == alice


def test_an_import_confirmed_while_the_queue_was_down_is_handed_again_by_the_sweep(alice, cadence):
    job = import_job_start(user=alice, file_name="leads.csv", data=FILE.encode())
    import_job_configure(job=job, columns=job.columns, roles={}, options={"owner": "me"}, now=timezone.now())
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED, queued_at=now - dt.timedelta(minutes=5))

    with TestCase.captureOnCommitCallbacks(execute=False) as handed:
        assert imports_requeue(now=now) == 1
        assert imports_requeue(now=now) == 0  # handed once a sweep, not again at once

    assert len(handed) == 1
    job.refresh_from_db()
    assert job.queued_at == now and job.state == ImportJob.State.QUEUED
