"""My day as a queue: filters and true counts, a group opened page by page, times on both clocks sorted by the
instant, a night window pointed out, hand-overs told to the new owner, focus mode, and ids unique per row."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cadence.models import FollowUp
from cadence.services import enrollment_create, enrollments_plan, prospect_reassign
from tests.factories import ContactFactory, ManagerFactory, ProspectFactory, UserFactory
from tests.workspace.test_views_my_day import NOW, follow_up_make
from touches.models import Channel, Kind
from workspace.day import DAY_GROUP_LIMIT, GROUP_PAGE, when_both

# Every test here runs on the clock stopped at NOW (tests/conftest.py: frozen_clock).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def test_filters_by_channel_and_kind_count_every_match_of_the_week(client, alice):
    for hours in range(3):
        follow_up_make(alice, start=NOW + dt.timedelta(hours=hours), channel=Channel.EMAIL)
    follow_up_make(alice, start=NOW + dt.timedelta(hours=4), kind=Kind.BREAKUP)
    follow_up_make(alice, start=NOW + dt.timedelta(days=2))
    client.force_login(alice)

    emails = client.get(reverse("home"), {"channel": "email"})
    breakups = client.get(reverse("home"), {"kind": "breakup"})
    everything = client.get(reverse("home"))

    assert emails.context["day"].total == 3 and "3 follow-ups match this week." in emails.content.decode()
    assert breakups.context["day"].total == 1 and "1 follow-up matches this week." in breakups.content.decode()
    assert "5 follow-ups this week." in everything.content.decode()


def test_the_rest_of_a_long_group_is_a_link_that_opens_it_page_by_page(client, alice):
    for minutes in range(DAY_GROUP_LIMIT + GROUP_PAGE):
        follow_up_make(alice, start=NOW - dt.timedelta(days=2, minutes=minutes))
    client.force_login(alice)

    first = client.get(reverse("home")).content.decode()
    assert f'href="?group=overdue&amp;channel=&amp;kind=">And {GROUP_PAGE} more overdue</a>' in first

    page_two = client.get(reverse("home"), {"group": "overdue", "page": 2})
    group = page_two.context["day"].groups[0]
    assert (group.key, group.offset, len(group.rows), group.hidden) == ("overdue", GROUP_PAGE, DAY_GROUP_LIMIT, 0)
    assert (
        f"{GROUP_PAGE + 1}–{GROUP_PAGE + DAY_GROUP_LIMIT} of {GROUP_PAGE + DAY_GROUP_LIMIT}"
        in page_two.content.decode()
    )


def test_rows_sort_by_the_instant_and_show_both_clocks(client, alice):
    # 16:00 in Los Angeles is later than 13:30 in New York, though 13:30 is the smaller number.
    los_angeles = follow_up_make(
        alice, start=dt.datetime(2026, 3, 5, 0, 0, tzinfo=dt.UTC), contact_tz="America/Los_Angeles"
    )
    new_york = follow_up_make(
        alice, start=dt.datetime(2026, 3, 4, 18, 30, tzinfo=dt.UTC), contact_tz="America/New_York"
    )
    client.force_login(alice)

    content = client.get(reverse("home")).content.decode()

    assert content.index(f'id="follow-up-{new_york.pk}"') < content.index(f'id="follow-up-{los_angeles.pk}"')
    assert "today 13:30 their time · 18:30 yours" in content
    assert "today 16:00 their time · tomorrow 00:00 yours" in content


def test_a_window_in_the_middle_of_the_reps_night_is_pointed_out(client, team):
    rep = UserFactory(team=team, timezone="Europe/Berlin")
    follow_up_make(rep, start=dt.datetime(2026, 3, 4, 23, 0, tzinfo=dt.UTC), contact_tz="Australia/Sydney")
    client.force_login(rep)

    content = client.get(reverse("home")).content.decode()

    assert "tomorrow 10:00 their time · 00:00 yours" in content
    assert "00:00 at night for you" in content


def test_a_lead_handed_over_says_so_on_the_new_owners_queue_with_who_why_and_what_was_tried(client, team, cadence):
    alex, sam, maria = (
        UserFactory(team=team, first_name="Alex"),
        UserFactory(team=team, first_name="Sam"),
        ManagerFactory(team=team, first_name="Maria"),
    )
    prospect = ProspectFactory(team=team, owner=alex, name="Acme Freight", timezone="UTC")
    ContactFactory(prospect=prospect, timezone="")
    enrollment = enrollment_create(prospect=prospect, now=NOW - dt.timedelta(days=1))
    enrollments_plan(enrollment_ids=[enrollment.pk], now=NOW - dt.timedelta(days=1))

    prospect_reassign(prospect=prospect, now=NOW, reason="Alex is overloaded", to=sam, actor=maria)
    enrollments_plan(enrollment_ids=list(prospect.enrollments.values_list("pk", flat=True)), now=NOW)
    client.force_login(sam)

    content = client.get(reverse("home")).content.decode()
    assert (
        "Handed to you. From " in content and "by Maria on Wed 4 Mar: Alex is overloaded (0 attempts before)" in content
    )

    detail = client.get(reverse("prospect_detail", args=[prospect.pk])).content.decode()
    assert "Reassigned" in detail and "Alex is overloaded" in detail  # the lead's story, beside its touches


def test_no_two_elements_of_my_day_share_an_id(client, alice):
    for hours in range(4):
        follow_up_make(alice, start=NOW + dt.timedelta(hours=hours))
    client.force_login(alice)

    content = client.get(reverse("home")).content.decode()

    ids = Counter(re.findall(r'\sid="([^"]+)"', content))
    assert [name for name, count in ids.items() if count > 1] == []


def test_focus_mode_shows_the_most_urgent_lead_of_today_and_skipping_brings_the_next(client, alice):
    oldest = follow_up_make(alice, start=NOW - dt.timedelta(days=1), name="Oldest Freight")
    second = follow_up_make(alice, start=NOW - dt.timedelta(minutes=10), name="Second Freight")
    follow_up_make(alice, start=NOW + dt.timedelta(days=2), name="Friday Freight")  # not today
    client.force_login(alice)

    first = client.get(reverse("focus"))
    skipped = client.get(reverse("focus"), {"skip": str(oldest.pk)})

    assert first.context["focus"].row.follow_up == oldest and first.context["focus"].remaining == 2
    assert "2 leads to work today, this one included." in first.content.decode()
    assert skipped.context["focus"].row.follow_up == second


def test_focus_mode_costs_the_same_queries_for_3_and_30_leads(client, alice, django_assert_num_queries):
    for minutes in range(3):
        follow_up_make(alice, start=NOW - dt.timedelta(minutes=minutes))
    client.force_login(alice)
    # session, user, the next lead with its count and hand-over, its last touches, the team's ready messages
    with django_assert_num_queries(5):
        client.get(reverse("focus"))
    for minutes in range(27):
        follow_up_make(alice, start=NOW - dt.timedelta(hours=1, minutes=minutes))
    with django_assert_num_queries(5):
        assert client.get(reverse("focus")).context["focus"].remaining == 30


def test_logging_from_focus_mode_goes_straight_to_the_next_lead(client, alice):
    first = follow_up_make(alice, start=NOW - dt.timedelta(days=1), name="Oldest Freight")
    follow_up_make(alice, start=NOW - dt.timedelta(minutes=10), name="Second Freight")
    client.force_login(alice)

    response = client.post(
        reverse("follow_up_log", args=[first.pk]), {"outcome": "no_answer", "focus": "1"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("focus")
    assert response.context["focus"].row.follow_up.prospect.name == "Second Freight"
    assert FollowUp.objects.get(pk=first.pk).status == FollowUp.Status.DONE


def test_a_day_that_is_not_today_or_tomorrow_is_named_with_its_date_so_next_monday_never_reads_as_today():
    monday = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
    new_york, utc = ZoneInfo("America/New_York"), ZoneInfo("UTC")

    def when(moment: dt.datetime) -> str:
        return when_both(moment, theirs=new_york, yours=utc, now=monday)

    assert when(monday + dt.timedelta(hours=4, minutes=30)) == "today 13:30 their time · 18:30 yours"
    assert when(monday + dt.timedelta(days=1)) == "tomorrow 09:00 their time · 14:00 yours"
    assert (
        when(monday + dt.timedelta(days=7)) == "Mon 9 Mar 10:00 their time · 14:00 yours"
    )  # New York moved its clocks on Sunday
    assert when_both(monday, theirs=utc, yours=utc, now=monday - dt.timedelta(days=2)) == (
        "Mon 2 Mar 14:00 your time and theirs"
    )
