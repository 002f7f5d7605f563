"""My day's rows are drawn by one template (workspace.rows, templates/jinja2/workspace/follow_up_row.html) for every
kind of row, whatever a person typed into a name or a reason, and a row swapped in after a log or an undo is the row
the queue drew."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from django.test import RequestFactory
from django.utils import timezone

from cadence.models import FollowUp
from tests.workspace.test_views_my_day import NOW, follow_up_make
from touches.models import Channel, Kind, Theme
from workspace.day import my_day_build
from workspace.rows import day_rows_render, row_html

# Every test here runs on the clock stopped at NOW (tests/conftest.py: frozen_clock).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def normal(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value="T"', str(html))
    html = re.sub(r'name="submission" value="[^"]*"', 'name="submission" value="S"', html)
    html = re.sub(r">\s+<", "><", html)
    return re.sub(r"\s+", " ", html).strip()


def test_each_kind_of_queue_row_says_what_it_is_and_escapes_what_people_typed(alice):
    alice.timezone = "Asia/Tokyo"  # the row's other clock, and its windows at night for her
    alice.save()
    odd = follow_up_make(alice, start=NOW + dt.timedelta(hours=2), name="O'Brien & Sons <Freight>")
    FollowUp.objects.filter(pk=odd.pk).update(reason='Attempt 2 of 8 · "said call back" <soon>')
    email = follow_up_make(alice, start=NOW + dt.timedelta(hours=3), channel=Channel.EMAIL, theme=Theme.NONE)
    breakup = follow_up_make(
        alice, start=NOW + dt.timedelta(hours=4), kind=Kind.BREAKUP, contact_tz="America/Los_Angeles"
    )
    agreed = follow_up_make(alice, start=NOW + dt.timedelta(hours=5), is_next_step=True, channel=Channel.VOICEMAIL)
    no_contact = follow_up_make(alice, start=NOW - dt.timedelta(hours=3))
    FollowUp.objects.filter(pk=no_contact.pk).update(contact=None)
    unknown_role = follow_up_make(alice, start=NOW + dt.timedelta(days=1))
    unknown_role.contact.role = "unknown"
    unknown_role.contact.phone = ""
    unknown_role.contact.save()
    request = RequestFactory().get("/")
    request.user = alice

    day = my_day_build(user=alice, now=timezone.now())
    rows = {row.follow_up.pk: row for group in day.groups for row in group.rows}
    rows[odd.pk].handed = "From Alex & co, by Maria on Tue 1 Dec: <overloaded>"
    with timezone.override(ZoneInfo(alice.timezone)):
        day_rows_render(day, request)
    html = {pk: str(row.html) for pk, row in rows.items()}

    assert len(html) == 6
    assert "O&#39;Brien &amp; Sons &lt;Freight&gt;" in html[odd.pk] and "<Freight>" not in html[odd.pk]
    assert "&#34;said call back&#34; &lt;soon&gt;" in html[odd.pk]
    assert "Handed to you. From Alex &amp; co, by Maria on Tue 1 Dec: &lt;overloaded&gt;" in html[odd.pk]
    assert 'class="fu-tel"' not in html[email.pk] and 'class="fu-tel"' in html[odd.pk]
    assert '<span class="chip chip-kind">Breakup</span>' in html[breakup.pk]
    assert '<span class="chip chip-kind">Agreed next step</span>' in html[agreed.pk]
    assert 'class="fu-contact"' not in html[no_contact.pk]
    assert 'class="muted"' not in html[unknown_role.pk]
    assert all('name="submission"' in row and 'name="csrfmiddlewaretoken"' in row for row in html.values())
    assert all('<button type="submit" name="outcome"' in row and "&lt;button" not in row for row in html.values())
    assert len({re.search(r'name="submission" value="([^"]+)"', row).group(1) for row in html.values()}) == 6


def test_a_row_swapped_in_after_a_log_or_an_undo_is_the_row_the_queue_drew(alice):
    follow_up_make(alice, start=NOW + dt.timedelta(hours=2))
    request = RequestFactory().get("/")
    request.user = alice
    day = my_day_build(user=alice, now=timezone.now())
    day_rows_render(day, request)
    row = next(row for group in day.groups for row in group.rows)
    swapped = replace(row, buttons=None)  # a row drawn alone has no buttons drawn ahead for its channel

    assert normal(row_html(request, swapped)) == normal(row.html)
    assert "&lt;" not in str(row.html)
