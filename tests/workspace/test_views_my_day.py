from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cadence.models import Cadence, FollowUp
from crm.models import Contact
from tests.factories import CadenceFactory, ContactFactory, EnrollmentFactory, ProspectFactory, UserFactory
from touches.models import Channel, Kind, Theme

# Every test here runs on the clock stopped at NOW (tests/conftest.py: frozen_clock).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

# A Wednesday, mid-morning in UTC (the reps' zone in these tests).
NOW = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)


def follow_up_make(owner, *, start, hours=1, name=None, contact_tz="", **extra) -> FollowUp:
    prospect = ProspectFactory(owner=owner, **({"name": name} if name else {}))
    contact = ContactFactory(prospect=prospect, name="Joe Buyer", timezone=contact_tz)
    cadence = Cadence.objects.filter(team=owner.team, is_default=True).first() or CadenceFactory(team=owner.team)
    enrollment = EnrollmentFactory(prospect=prospect, cadence=cadence, started_at=NOW - dt.timedelta(days=3))
    values = {
        "channel": Channel.CALL,
        "kind": Kind.REGULAR,
        "theme": Theme.INFORMATION,
        "reason": "Attempt 2 of 8 · every other day",
        "attempt": 2,
        "attempt_of": 8,
    } | extra
    return FollowUp.objects.create(
        enrollment=enrollment,
        rep=owner,
        prospect=prospect,
        contact=contact,
        due_start=start,
        due_end=start + dt.timedelta(hours=hours),
        **values,
    )


def test_my_day_groups_follow_ups_as_overdue_due_now_later_today_and_next_days(client, alice):
    late = follow_up_make(alice, start=NOW - dt.timedelta(hours=3), name="Late Freight")
    now_due = follow_up_make(alice, start=NOW - dt.timedelta(minutes=10), name="Now Freight")
    later = follow_up_make(alice, start=NOW + dt.timedelta(hours=5), name="Later Freight")
    tomorrow = follow_up_make(alice, start=NOW + dt.timedelta(days=1), name="Tomorrow Freight")
    client.force_login(alice)

    response = client.get(reverse("home"))

    groups = {group.key: [row.follow_up.pk for row in group.rows] for group in response.context["day"].groups}
    assert groups == {
        "overdue": [late.pk],
        "due-now": [now_due.pk],
        "later-today": [later.pk],
        "next-days": [tomorrow.pk],
    }


def test_a_row_shows_their_local_time_the_plan_a_ready_message_and_links(client, alice):
    follow_up_make(alice, start=NOW, name="Globex Freight", contact_tz="America/Chicago", theme=Theme.INVITATION)
    client.force_login(alice)

    content = client.get(reverse("home")).content.decode()

    # 10:00 UTC is 4:00 in Chicago in early March, on both clocks (Alice works on UTC), and the middle of no night
    assert "today 04:00 their time · 10:00 yours" in content
    assert "Invitation" in content and "Attempt 2 of 8 · every other day" in content
    assert 'href="tel:+1212555' in content
    # The ready message and email load when the row's details are opened (a link to them without JavaScript).
    row = FollowUp.objects.get()
    assert f'hx-get="{reverse("follow_up_why", args=[row.pk])}"' in content and "Hi Joe," not in content
    details = client.get(reverse("follow_up_why", args=[row.pk])).content.decode()
    assert "Hi Joe," in details  # the invitation message, filled in
    assert 'href="mailto:joe' in details


def test_my_day_costs_the_same_number_of_queries_for_3_and_30_follow_ups(client, alice, django_assert_num_queries):
    client.force_login(alice)
    for i in range(3):
        follow_up_make(alice, start=NOW + dt.timedelta(hours=i))
    # session, user, the ranked ids and counts, the rows shown, leads needing a next step, emails waiting to go out
    with django_assert_num_queries(6):
        assert len(client.get(reverse("home")).context["day"].groups[1].rows) == 1

    for i in range(27):
        follow_up_make(alice, start=NOW + dt.timedelta(hours=i, minutes=5))
    with django_assert_num_queries(6):
        response = client.get(reverse("home"))
    assert response.context["day"].total == 30  # later groups show their first rows, and count the rest


def test_my_day_shows_only_the_reps_own_follow_ups(client, alice, bob):
    follow_up_make(bob, start=NOW, name="Bob's Account")
    client.force_login(alice)

    content = client.get(reverse("home")).content.decode()

    assert "Bob&#x27;s Account" not in content and "Bob's Account" not in content


def test_names_and_reasons_are_escaped_on_my_day(client, alice):
    follow_up_make(alice, start=NOW, name="<script>alert(1)</script> Inc")
    Contact.objects.update(name="<b>Joe</b>")
    client.force_login(alice)

    content = client.get(reverse("home")).content.decode()

    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Inc" in content
    assert "<b>Joe</b>" not in content


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_manager_sees_their_own_follow_ups_on_my_day_not_the_teams(client, maria, alice):
    follow_up_make(alice, start=NOW, name="Alice Account")
    follow_up_make(maria, start=NOW, name="Maria Account")
    client.force_login(maria)

    content = client.get(reverse("home")).content.decode()

    assert "Maria Account" in content and "Alice Account" not in content


def test_my_day_says_so_when_nothing_is_planned(client):
    client.force_login(UserFactory())

    content = client.get(reverse("home")).content.decode()

    assert "Nothing planned this week." in content


def test_a_long_backlog_shows_the_first_rows_of_each_group_and_counts_the_rest(client, alice, settings):
    from workspace import day as workspace

    for i in range(workspace.DAY_GROUP_LIMIT + 3):
        follow_up_make(alice, start=NOW - dt.timedelta(days=2, minutes=i))
    client.force_login(alice)

    response = client.get(reverse("home"))

    overdue = response.context["day"].groups[0]
    assert (len(overdue.rows), overdue.total, overdue.hidden) == (
        workspace.DAY_GROUP_LIMIT,
        workspace.DAY_GROUP_LIMIT + 3,
        3,
    )
    assert overdue.rows[0].follow_up.due_start < overdue.rows[-1].follow_up.due_start
    assert "And 3 more overdue" in response.content.decode()


def test_my_day_says_which_emails_wait_to_go_out_and_why(client, alice):
    from mailroom.models import Mailbox, OutboundEmail

    mailbox = Mailbox.objects.create(user=alice, from_address="alice@pursuit.test", daily_cap=200)
    waits = {
        "Your mailbox's daily cap (200) is reached: it goes tomorrow.": 2,
        "Waits for the contact's window: Thu 5 Mar 08:00 their time.": 1,
    }
    for reason, count in waits.items():
        for _ in range(count):
            follow_up = follow_up_make(alice, start=NOW + dt.timedelta(hours=1))
            OutboundEmail.objects.create(
                mailbox=mailbox,
                rep=alice,
                prospect=follow_up.prospect,
                contact=follow_up.contact,
                follow_up=follow_up,
                to_address="joe@example.com",
                subject="A quick one",
                body="Hi Joe",
                message_id=f"<{follow_up.pk}@pursuit.test>",
                state=OutboundEmail.State.WAITING,
                wait_reason=reason,
                queued_at=NOW,
            )
    client.force_login(alice)

    page = " ".join(client.get(reverse("home")).content.decode().split())

    assert (
        "Emails waiting to go out: 2 go tomorrow, as your mailbox's daily cap (200) is reached; "
        "1 waits for the contact's calling window to open." in page
    )
