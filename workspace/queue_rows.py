"""My day's queue rows as HTML straight from their precomputed data (workspace.day.DayRow), without the template
engine: a page of 75 rows resolved some 75 template lookups a row, most of My day's time.

It writes what the `follow-up-row` partial of templates/workspace/my_day.html writes for a queue row (no form, not
focus mode, the ready message left to load when opened); the partial stays for every other case (a row with an
error or a question, the row put back after an undo, focus mode). `tests/workspace/test_queue_rows.py` holds the two to
the same HTML, so a change to one that is not made to the other fails.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString, mark_safe

from crm.once import FIELD
from workspace.day import DayRow, MyDay


def queue_row_html(row: DayRow, *, csrf_token: str, submission: str) -> SafeString:
    """One row: who, what, when on both clocks, why (details on demand), and the log form with its outcome buttons
    (rendered once per channel), More and Snooze loaded when opened. `submission` is the form's once-only id."""
    fu, urls = row.follow_up, row.urls
    prospect, contact = fu.prospect, fu.contact
    name = esc(prospect.name)
    who = [f'<a class="fu-prospect" href="{urls.detail}" data-open>{name}</a>']
    label = name
    if contact is not None:
        label = f"{name}, {esc(contact.name)}"
        role = (
            f' <span class="muted">· {esc(contact.get_role_display().lower())}</span>'
            if contact.role != "unknown"
            else ""
        )
        who.append(f'<span class="fu-contact">{esc(contact.name)}{role}</span>')
        if contact.phone and fu.channel != "email":
            who.append(f'<a class="fu-tel" href="tel:{esc(contact.phone.replace(" ", ""))}">{esc(contact.phone)}</a>')
    chips = [f'<span class="chip chip-{fu.channel}">{esc(fu.get_channel_display())}</span>']
    if fu.is_next_step:
        chips.append('<span class="chip chip-kind">Agreed next step</span>')
    elif fu.kind != "regular":
        chips.append(f'<span class="chip chip-kind">{esc(fu.get_kind_display())}</span>')
    if fu.theme != "none":
        chips.append(f'<span class="chip chip-theme">{esc(fu.get_theme_display())}</span>')
    chips.append(
        f'<time class="fu-when" datetime="{timezone.localtime(fu.due_start).isoformat()}">{esc(row.when)}</time>'
    )
    if row.night:
        chips.append(f'<span class="flag night">{esc(row.night)}</span>')
    if row.clock_guess:
        chips.append(f'<a class="flag clock-guess" href="{urls.detail}#place">{esc(row.clock_guess)}</a>')
    if row.email_note:
        chips.append(f'<span class="flag email-note" role="status">{esc(row.email_note)}</span>')
    reason = esc(fu.reason)
    handed = f'<p class="fu-handed">Handed to you. {esc(row.handed)}</p>' if row.handed else ""
    buttons = row.buttons.primary if row.buttons else ""
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<li id="follow-up-{fu.pk}" class="fu-row fu-{fu.channel}" tabindex="-1" data-follow-up aria-label="{label}">'
        f'<div class="fu-main"><p class="fu-who">{" ".join(who)}</p>'
        f'<div class="fu-what">{" ".join(chips)}</div>'
        f'<details class="fu-why" hx-get="{urls.why}" hx-trigger="toggle once" hx-target="find .fu-why-body">'
        f'<summary><span class="fu-reason">{reason}</span></summary><div class="fu-why-body"><p>{reason}</p>'
        f'<p><a href="{urls.log}">The ready message and email</a></p></div></details>{handed}</div>'
        f'<form class="fu-log" method="post" action="{urls.log}" hx-post="{urls.log}" hx-target="#follow-up-{fu.pk}"'
        f' hx-swap="outerHTML"><input type="hidden" name="csrfmiddlewaretoken" value="{esc(csrf_token)}">'
        f'<input type="hidden" name="{FIELD}" value="{esc(submission)}">'
        f'<div class="outcomes" role="group" aria-label="Log the outcome for {name}">{buttons}'
        f'<details class="fu-more" hx-get="{urls.more}" hx-trigger="toggle once" hx-target="find .fu-more-body">'
        f'<summary>More</summary><div class="fu-more-body"><a href="{urls.log}">Other outcomes, with a note</a></div>'
        f'</details><details class="fu-snooze" hx-get="{urls.snooze_panel}" hx-trigger="toggle once"'
        f' hx-target="find .fu-snooze-body"><summary>Snooze</summary><div class="fu-snooze-body">'
        f'<a href="{urls.snooze}?next={urls.home}">Snooze…</a></div></details></div></form></li>'
    )


def queue_rows_render(day: MyDay, request: HttpRequest) -> None:
    """Every row of the queue rendered ahead of the page, each form with its own once-only id."""
    csrf_token = get_token(request)
    for group in day.groups:
        for row in group.rows:
            row.html = queue_row_html(row, csrf_token=csrf_token, submission=str(uuid.uuid4()))
