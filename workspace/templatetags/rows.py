"""`{% follow_up_row %}` and `{% log_form %}`: My day's row and its log form on a Django page, drawn by their one
template (workspace/rows.py), from the page's `row`, `form`, `focus_mode` and `compose`."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from workspace.rows import log_form_html, row_html

register = template.Library()


@register.simple_tag(takes_context=True)
def follow_up_row(context: template.Context, row: Any = None) -> SafeString:
    return row_html(
        context["request"],
        row if row is not None else context["row"],
        form=context.get("form"),
        focus_mode=bool(context.get("focus_mode")),
        compose=context.get("compose"),
    )


@register.simple_tag(takes_context=True)
def log_form(context: template.Context, focus_mode: bool = False) -> SafeString:
    return log_form_html(context["request"], context["row"], form=context.get("form"), focus_mode=focus_mode)
