"""Focus mode's state and context, shared by its page and the log that moves it on: the leads the rep skipped this
session, and what the one lead shown needs (its ready email)."""

from __future__ import annotations

from django.http import HttpRequest

from workspace.day import Focus
from workspace.mail_compose import email_compose

SKIPS = "focus_skips"
MAX_SKIPPED = 50


def focus_skips(request: HttpRequest, *, add: str = "", forget: bool = False) -> list[int]:
    """The follow-ups skipped in focus mode this session (they come last), with `add` (an id) added. Kept in the
    session, so a log, a reload or a visit to My day in between does not bring a skipped lead back first."""
    skipped: list[int] = [] if forget else list(request.session.get(SKIPS, []))
    if add.isdigit() and int(add) not in skipped:
        skipped = [*skipped, int(add)][-MAX_SKIPPED:]
    if forget or add:
        request.session[SKIPS] = skipped
    return skipped


def focus_context(request: HttpRequest, found: Focus) -> dict[str, object]:
    compose = None
    if found.row is not None:
        row = found.row
        compose = email_compose(row.follow_up, user=request.user, subject=row.email_subject, body=row.email_body)
    return {"focus": found, "compose": compose}
