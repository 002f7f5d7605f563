"""A rep's follow-ups as an iCalendar feed, so they sit in the calendar the rep already uses."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urljoin

from django.urls import reverse
from icalendar import Calendar, Event

from cadence.models import FollowUp
from cadence.selectors import follow_up_list_for_user
from crm.models import User
from workspace.day import follow_up_zone

FEED_HORIZON = dt.timedelta(days=30)
# Overdue work stays in the calendar for a few days, so a missed call does not silently vanish.
FEED_LOOKBACK = dt.timedelta(days=3)


def _summary(follow_up: FollowUp) -> str:
    who = f" · {follow_up.contact.name}" if follow_up.contact else ""
    if follow_up.is_next_step:
        return f"Next step: {follow_up.prospect.name}{who}"
    return f"{follow_up.get_channel_display()} {follow_up.prospect.name}{who}"


def calendar_build(*, user: User, now: dt.datetime, base_url: str) -> bytes:
    """The rep's planned follow-ups (agreed next steps included) from a few days back to a month ahead.

    One query. Each event keeps its UID across re-plans, so a moved follow-up moves in the calendar instead of
    appearing twice.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//Pursuit//Follow-ups//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Pursuit follow-ups · {user}")
    follow_ups = (
        follow_up_list_for_user(user=user, due_before=now + FEED_HORIZON)
        .filter(rep=user, due_end__gte=now - FEED_LOOKBACK)
        .select_related("prospect", "contact")
    )
    host = base_url.split("//", 1)[-1].split("/", 1)[0] or "pursuit"
    for follow_up in follow_ups:
        event = Event()
        event.add("uid", f"follow-up-{follow_up.enrollment_id}-{follow_up.attempt}-{follow_up.step}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", follow_up.due_start)
        event.add("dtend", follow_up.due_end)
        event.add("summary", _summary(follow_up))
        their_time = follow_up.due_start.astimezone(follow_up_zone(follow_up))
        lines = [follow_up.reason, f"Their time: {their_time:%a %H:%M} ({their_time.tzname()})"]
        if follow_up.contact and follow_up.contact.phone:
            lines.append(f"Phone: {follow_up.contact.phone}")
        if follow_up.contact and follow_up.contact.email:
            lines.append(f"Email: {follow_up.contact.email}")
        event.add("description", "\n".join(lines))
        event.add("url", urljoin(base_url, reverse("prospect_detail", args=[follow_up.prospect_id])))
        calendar.add_component(event)
    return calendar.to_ical()
