"""A page's write, once per rendered form (crm/once.py claims the form's id in the write's transaction), with what
the person is told: the views say what to write and where to go next, these say the rest the same way everywhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError

from crm.once import submitted_once
from web.http import ALREADY_SAVED, HtmxHttpRequest, errors_text

T = TypeVar("T")


@dataclass(frozen=True)
class Written(Generic[T]):
    first: bool  # this submission wrote; False when the same form was sent before, or the write was refused
    value: T | None = None  # what the write returned (None when it did not run)
    error: ValidationError | None = None  # why the write was refused: nothing was written

    @property
    def ok(self) -> bool:
        return self.error is None

    def said(self, done: str) -> str:
        """`done` when this submission wrote, else that the form was sent twice and written once."""
        return done if self.first else ALREADY_SAVED


def write_once(request: HtmxHttpRequest, write: Callable[[], T], *, form: forms.BaseForm | None = None) -> Written[T]:
    """Run `write` unless this form was already submitted, in one transaction with the claim of its id. A refusal
    (ValidationError) rolls both back; with a `form`, its messages go next to their fields (or on top)."""
    try:
        with submitted_once(request) as first:
            value = write() if first else None
    except ValidationError as exc:
        if form is not None:
            form_errors_add(form, exc)
        return Written(first=False, error=exc)
    return Written(first=first, value=value)


def action_once(request: HtmxHttpRequest, write: Callable[[], object], *, done: str | Callable[[], str]) -> bool:
    """A button's write (no form to show again): run once, then tell the person `done` (read after the write, when
    a callable), that the form was sent twice, or why it was refused. True when nothing was refused."""
    written = write_once(request, write)
    if written.error is not None:
        messages.error(request, errors_text(written.error))
        return False
    messages.success(request, written.said(done() if callable(done) else done))
    return True


def form_errors_add(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's refusal on the form: each message next to the field it names, the rest on top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
