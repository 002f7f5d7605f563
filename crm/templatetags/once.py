"""`{% once_field %}`: the hidden id that makes a form's write happen once (see crm/once.py)."""

from __future__ import annotations

import uuid

from django import template
from django.utils.html import format_html

from crm.once import FIELD

register = template.Library()


@register.simple_tag
def once_field() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, uuid.uuid4())
