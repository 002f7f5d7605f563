"""A queue row written straight from its data (workspace.queue_rows) is the HTML the template's row partial writes,
for every kind of row: so My day can skip the template engine for its rows without drifting from the partial the
swaps and forms still use."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from cadence.models import FollowUp
from tests.workspace.test_views_my_day import NOW, follow_up_make
from touches.models import Channel, Kind, Theme
from workspace.day import my_day_build, outcome_buttons
from workspace.queue_rows import queue_row_html

# Every test here runs on the clock stopped at NOW (tests/conftest.py: frozen_clock).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def normal(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value="T"', str(html))
    html = re.sub(r'name="submission" value="[^"]*"', 'name="submission" value="S"', html)
    html = re.sub(r">\s+<", "><", html)
    return re.sub(r"\s+", " ", html).strip()


def test_each_kind_of_queue_row_is_written_as_the_template_writes_it(alice, settings):
    alice.timezone = "Asia/Tokyo"  # the row's other clock, and its windows at night for her
    alice.save()
    odd = follow_up_make(alice, start=NOW + dt.timedelta(hours=2), name="O'Brien & Sons <Freight>")
    FollowUp.objects.filter(pk=odd.pk).update(reason='Attempt 2 of 8 · "said call back" <soon>')
    follow_up_make(alice, start=NOW + dt.timedelta(hours=3), channel=Channel.EMAIL, theme=Theme.NONE)
    follow_up_make(alice, start=NOW + dt.timedelta(hours=4), kind=Kind.BREAKUP, contact_tz="America/Los_Angeles")
    follow_up_make(alice, start=NOW + dt.timedelta(hours=5), is_next_step=True, channel=Channel.VOICEMAIL)
    no_contact = follow_up_make(alice, start=NOW - dt.timedelta(hours=3))
    FollowUp.objects.filter(pk=no_contact.pk).update(contact=None)
    unknown_role = follow_up_make(alice, start=NOW + dt.timedelta(days=1))
    unknown_role.contact.role = "unknown"
    unknown_role.contact.phone = ""
    unknown_role.contact.save()

    day = my_day_build(user=alice, now=timezone.now())
    rows = [row for group in day.groups for row in group.rows]
    assert len(rows) == 6
    with timezone.override(ZoneInfo(alice.timezone)):
        for row in rows:
            row.buttons = outcome_buttons(row.follow_up.channel, {})
            if row.follow_up.pk == odd.pk:
                row.handed = "From Alex & co, by Maria on Tue 1 Dec: <overloaded>"
            template = render_to_string(
                "workspace/my_day.html#follow-up-row",
                {"row": row, "form": None, "focus_mode": False, "csrf_token": "T"},
            )
            assert normal(queue_row_html(row, csrf_token="T", submission="S")) == normal(template), row.follow_up
