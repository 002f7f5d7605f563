"""`{{ name|sentence }}`: end a sentence on a name without a double full stop ("… to Ember Textiles Inc.")."""

from __future__ import annotations

from django import template

from crm.text import sentence as sentence_end

register = template.Library()


@register.filter
def sentence(value: object) -> str:
    return sentence_end(str(value))
