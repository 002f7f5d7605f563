"""A team sets itself up in the browser: cadences with the planner's preview, its own messages, its reps and their
absences. Managers of the team only; another team's ids are a 404; a rep gets the styled 403 page."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cadence.models import Cadence, CadenceChange, Enrollment, FollowUp, LeadEvent
from cadence.scheduler import scheduler_sweep
from cadence.services import enrollment_create, enrollments_plan
from cadence.services.leads import handover_work
from crm.models import Absence, Prospect, Team, User
from tests.dashboard.conftest import lead
from tests.factories import ContactFactory, ProspectFactory, UserFactory
from touches.models import MessageTemplate

pytestmark = pytest.mark.django_db


def cadence_post(name: str = "Quick follow", **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": name,
        "gaps": "2",
        "working_weekdays": ["0", "1", "2", "3", "4"],
        "voicemail_after_no_answer": "on",
        "min_touches": "5",
        "max_touches": "7",
        "pleasantly_persistent_channel": "in_person",
        "breakup_wait_days": "4",
        "ending": "give_up",
        "windows-TOTAL_FORMS": "2",
        "windows-INITIAL_FORMS": "0",
        "windows-0-start": "09:00",
        "windows-0-end": "10:00",
        "windows-1-start": "15:00",
        "windows-1-end": "16:00",
        "preview-country": "US",
        "preview-timezone": "America/Chicago",
        "save": "1",
        "submission": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_a_manager_creates_a_cadence_and_the_change_is_recorded(client, maria, team):
    client.force_login(maria)

    response = client.post(reverse("cadence_new", args=[team.pk]), cadence_post())

    assert response.status_code == 302
    cadence = Cadence.objects.get(team=team, name="Quick follow")
    assert (cadence.windows, cadence.gaps_days, cadence.max_touches) == (
        [["09:00", "10:00"], ["15:00", "16:00"]],
        [2],
        7,
    )
    change = CadenceChange.objects.get(cadence=cadence)
    assert change.actor == maria and change.summary == "Created"


def test_a_window_outside_calling_hours_and_five_minimum_attempts_are_explained_next_to_their_fields(
    client, maria, team
):
    client.force_login(maria)

    page = client.post(
        reverse("cadence_new", args=[team.pk]),
        cadence_post(**{"windows-1-start": "20:30", "windows-1-end": "21:30", "min_touches": "3"}),
    ).content.decode()

    assert "outside 08:00-21:00" in page and "telephone solicitation" in page
    assert "between the 5th and the 10th" in page
    assert not Cadence.objects.filter(name="Quick follow").exists()


def test_overlapping_windows_are_refused(client, maria, team):
    client.force_login(maria)

    page = client.post(
        reverse("cadence_new", args=[team.pk]), cadence_post(**{"windows-1-start": "09:30", "windows-1-end": "11:00"})
    ).content.decode()

    assert "must not overlap" in page


def test_the_preview_is_the_planner_and_changes_when_a_window_is_removed(client, maria, team):
    client.force_login(maria)
    url = reverse("cadence_preview", args=[team.pk])

    both = client.post(url, cadence_post(), HTTP_HX_REQUEST="true").content.decode()
    one = client.post(url, cadence_post(**{"windows-1-DELETE": "on"}), HTTP_HX_REQUEST="true").content.decode()

    assert "Attempt 1 of 7" in both and "Attempt 7 of 7" in both
    assert "15:00 window" in both and "15:00 window" not in one
    assert "their time" in both and "<html" not in both


def test_saving_a_cadence_with_open_leads_says_how_many_and_replans_them(client, maria, alice, team, now):
    cadence = Cadence.objects.get(team=team, is_default=True)
    enrollments = [lead(alice, now=now) for _ in range(3)]
    client.force_login(maria)
    post = cadence_post(name=cadence.name, max_touches="9", is_default="on")

    response = client.post(reverse("cadence_edit", args=[team.pk, cadence.pk]), post, follow=True)

    page = response.content.decode()
    assert "3 open leads use it" in page and "next re-plan" in page
    assert CadenceChange.objects.get(cadence=cadence).open_leads == 3
    assert all(Enrollment.objects.get(pk=e.pk).replan_requested_at is not None for e in enrollments)


def test_a_rep_gets_the_styled_403_and_another_teams_manager_a_404(client, alice, otto, team):
    client.force_login(alice)
    refused = client.get(reverse("cadence_list", args=[team.pk]))
    client.force_login(otto)
    hidden = client.get(reverse("cadence_list", args=[team.pk]))

    assert refused.status_code == 403 and "This page is not for you" in refused.content.decode()
    assert hidden.status_code == 404


def test_a_team_starts_with_the_generic_library_and_a_bad_placeholder_is_named(client, maria, team):
    client.force_login(maria)

    listing = client.get(reverse("message_list", args=[team.pk])).content.decode()
    bad = client.post(
        reverse("message_new", args=[team.pk]),
        {
            "medium": "voicemail",
            "kind": "regular",
            "theme": "invitation",
            "body": "Hi {first_name}, join us {at company}",
            "save": "1",
            "submission": str(uuid.uuid4()),
        },
    ).content.decode()

    assert MessageTemplate.objects.filter(team=team).count() == 13
    assert "lanes" not in listing  # not the demo's freight wording
    assert "{first_name} is not a placeholder" in bad or "not placeholders" in bad
    assert "{contact_first_name}" in bad


def test_a_message_that_nearly_repeats_another_warns_before_saving(client, maria, team):
    client.force_login(maria)
    client.get(reverse("message_list", args=[team.pk]))
    existing = MessageTemplate.objects.filter(team=team, medium="voicemail", theme="information").first()
    post = {
        "medium": "voicemail",
        "kind": "regular",
        "theme": "information",
        "body": existing.body + " Thanks!",
        "save": "1",
        "submission": str(uuid.uuid4()),
    }

    warned = client.post(reverse("message_new", args=[team.pk]), post)
    saved = client.post(reverse("message_new", args=[team.pk]), {**post, "confirm_similar": "on"})

    assert "nearly repeats" in warned.content.decode()
    assert saved.status_code == 302
    assert MessageTemplate.objects.filter(team=team, body=existing.body + " Thanks!").count() == 1


def test_my_day_reads_the_teams_own_message(working_day, client, alice, team, now):
    prospect = ProspectFactory(owner=alice, name="Umbrella")
    ContactFactory(prospect=prospect, name="Rita Vale", phone="+1 212 555 0101")
    enrollment = enrollment_create(prospect=prospect, now=now)
    enrollments_plan(enrollment_ids=[enrollment.pk], now=now)
    planned = FollowUp.objects.get(enrollment=enrollment, status="planned")
    MessageTemplate.objects.create(
        team=team, medium="voicemail", kind="regular", theme=planned.theme, body="Rita! {company}"
    )
    client.force_login(alice)

    # The row's details (loaded when opened on My day) and focus mode both say the team's own words.
    assert "Rita! Umbrella" in client.get(reverse("follow_up_why", args=[planned.pk])).content.decode()
    assert "Rita! Umbrella" in client.get(reverse("focus")).content.decode()


def test_an_invited_rep_sets_a_password_and_logs_in(client, maria, team, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(maria)

    client.post(
        reverse("rep_invite", args=[team.pk]),
        {"first_name": "Nia", "email": "nia@example.com", "timezone": "Europe/Berlin", "submission": str(uuid.uuid4())},
    )

    nia = User.objects.get(email="nia@example.com")
    assert (nia.team, nia.role, nia.has_usable_password()) == (team, "rep", False)
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    client.logout()
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "a-long-Secret-42", "new_password2": "a-long-Secret-42"}
    )
    logged_in = client.post(reverse("login"), {"username": nia.username, "password": "a-long-Secret-42"})
    assert logged_in.status_code == 302 and client.get(reverse("home")).status_code == 200


def test_deactivating_a_rep_hands_each_open_lead_over_with_its_history(client, maria, alice, bob, team, now):
    leads = [lead(alice, now=now) for _ in range(2)]
    client.force_login(maria)

    client.post(reverse("rep_deactivate", args=[team.pk, alice.pk]), {"submission": str(uuid.uuid4())})

    alice.refresh_from_db()
    assert not alice.is_active
    assert set(Prospect.objects.filter(pk__in=[e.prospect_id for e in leads]).values_list("owner", flat=True)) == {
        bob.pk
    }
    assert LeadEvent.objects.filter(kind="reassigned", detail__contains="left the team").count() == 2


@pytest.mark.parametrize("coverage", ["hold", "cover"])
def test_an_away_rep_s_leads_are_held_or_covered_and_come_back(alice, bob, maria, team, now, coverage):
    Team.objects.filter(pk=team.pk).update(absence_coverage=coverage)
    enrollment = lead(alice, now=now)
    enrollments_plan(enrollment_ids=[enrollment.pk], now=now)
    today = now.date()
    Absence.objects.create(user=alice, starts_on=today, ends_on=today + dt.timedelta(days=4), created_by=maria)

    scheduler_sweep(now=now)

    enrollment.refresh_from_db()
    alice.refresh_from_db()
    assert alice.away_until == today + dt.timedelta(days=4)
    if coverage == "hold":
        assert enrollment.status == Enrollment.Status.PAUSED
        assert not FollowUp.objects.filter(enrollment=enrollment, status="planned").exists()  # nothing overdue
    else:
        assert enrollment.owner == bob
        assert FollowUp.objects.filter(enrollment=enrollment, status="planned", rep=bob).exists()
        assert Prospect.objects.get(pk=enrollment.prospect_id).covered_by == bob

    scheduler_sweep(now=now + dt.timedelta(days=6))

    enrollment.refresh_from_db()
    alice.refresh_from_db()
    assert alice.away_until is None
    assert (enrollment.owner, enrollment.status) == (alice, Enrollment.Status.ACTIVE)
    assert FollowUp.objects.filter(enrollment=enrollment, status="planned", rep=alice).exists()
    assert LeadEvent.objects.filter(enrollment=enrollment, kind="back").exists()


def test_an_away_rep_gets_no_hand_over_and_sees_a_banner(client, alice, bob, team, now):
    User.objects.filter(pk=bob.pk).update(away_until=now.date() + dt.timedelta(days=3))
    UserFactory(username="carl", team=team)

    picked, _ = handover_work(team=team, now=now, exclude_ids={alice.pk}).take()
    client.force_login(User.objects.get(pk=bob.pk))

    assert picked.username == "carl"
    assert "You are away until" in client.get(reverse("home")).content.decode()


def test_setup_pages_cost_a_fixed_number_of_queries(client, maria, alice, team, now, django_assert_max_num_queries):
    for _ in range(5):
        lead(alice, now=now)
    client.force_login(maria)
    client.get(reverse("message_list", args=[team.pk]))
    for name in ("cadence_list", "message_list", "rep_list"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(name, args=[team.pk])).status_code == 200
    cadence = Cadence.objects.get(team=team, is_default=True)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("cadence_edit", args=[team.pk, cadence.pk])).status_code == 200
    _ = timezone.now()


def test_a_manager_chooses_how_absences_are_covered_and_a_choice_that_is_not_one_changes_nothing(client, maria, team):
    client.force_login(maria)
    url = reverse("team_coverage", args=[team.pk])

    client.post(url, {"absence_coverage": "cover", "submission": str(uuid.uuid4())})
    team.refresh_from_db()
    assert team.absence_coverage == "cover"

    response = client.post(url, {"absence_coverage": "everyone", "submission": str(uuid.uuid4())}, follow=True)
    team.refresh_from_db()
    assert team.absence_coverage == "cover"
    assert "Choose how absences are covered." in response.content.decode()
