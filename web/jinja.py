"""The Jinja2 environment of the few fragments drawn many times a page (My day's rows, the dashboard's number
tables): Jinja2 compiles a template to Python, so a row costs about what hand-written string building cost, and the
fragment still has one template, used wherever it is drawn. Every other page is a Django template.

The templates are in templates/jinja2/ (config.settings, TEMPLATES); Django's backend gives them `request`,
`csrf_input` and `csrf_token` when rendered with a request. Autoescape is on, as in Django templates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.template.defaultfilters import floatformat
from django.template.loader import get_template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe
from jinja2 import Environment

from crm.templatetags.once import once_field


def _iso(moment: dt.datetime) -> str:
    """A moment as Django's `date:'c'` writes it: ISO 8601 on the current zone's clock."""
    return timezone.localtime(moment).isoformat()


def _errors(errors: Any) -> str:
    """A field's or a form's errors as one sentence (Django's `|join:" "` on an error list)."""
    return " ".join(str(error) for error in errors)


def environment(**options: Any) -> Environment:
    env = Environment(**options)  # noqa: S701 - Django's backend passes autoescape=True
    env.globals["once_field"] = once_field  # the Django tag's own function: one way to write the form's id
    env.filters.update(
        iso=_iso,
        errors=_errors,
        date=lambda value, form: date_format(value, form),
        floatformat=floatformat,
        cut=lambda value, chars: str(value).replace(chars, ""),
    )
    return env


def drawn(template: str, context: dict[str, Any], request: HttpRequest | None = None) -> SafeString:
    """A fragment drawn by its Jinja2 template, ready to place in a Django page (Jinja2 escaped what it drew)."""
    return mark_safe(get_template(template, using="jinja2").render(context, request))  # noqa: S308 - autoescaped
