"""My day's rows, drawn by one template wherever they appear (templates/jinja2/workspace/follow_up_row.html, in
Jinja2: a page of 75 rows cost most of My day's time in Django's template engine, some 75 lookups a row).

`row_html` draws one row: a queue row, a row with an error or a question, the row put back after an undo, the next
row after a log, the follow-up's own page. Django pages place it with `{% follow_up_row %}` and the focus lead's form
with `{% log_form %}` (workspace/templatetags/rows.py).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.backends.utils import csrf_input
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString, mark_safe

from web.jinja import drawn
from workspace.day import DayRow, MyDay

ROW = "workspace/follow_up_row.html"
LOG_FORM = "workspace/log_form.html"
MACROS = "workspace/row_macros.html"


def row_html(
    request: HttpRequest, row: DayRow, *, form: Any = None, focus_mode: bool = False, compose: Any = None
) -> SafeString:
    """One row. Its details (the ready message and email) are drawn in it when they were loaded (`row.message`)."""
    why = ""
    if row.message is not None:
        why = render_to_string("workspace/my_day.html#why", {"row": row, "compose": compose}, request)
    context = {"row": row, "form": form, "focus_mode": focus_mode, "why_html": why, "csrf_field": csrf_input(request)}
    return drawn(ROW, context)


def log_form_html(request: HttpRequest, row: DayRow, *, form: Any = None, focus_mode: bool = False) -> SafeString:
    return drawn(LOG_FORM, {"row": row, "form": form, "focus_mode": focus_mode, "csrf_field": csrf_input(request)})


def day_rows_render(day: MyDay, request: HttpRequest) -> None:
    """Every row of the queue drawn ahead of the page (`row.html`), each form with its own once-only id, by calling
    the row's macro: no template context to build per row."""
    draw = get_template(MACROS, using="jinja2").template.module.follow_up_row  # type: ignore[attr-defined]
    csrf = csrf_input(request)  # drawn once for all the rows: Django masks a new token at every call
    for group in day.groups:
        for row in group.rows:
            row.html = mark_safe(draw(row, None, False, "", csrf))  # noqa: S308 - Jinja2 autoescapes
