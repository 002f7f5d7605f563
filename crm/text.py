"""Small rules of written English the app's messages share."""

from __future__ import annotations


def sentence(text: str) -> str:
    """The text ended by one full stop: "Ember Textiles Inc." is not followed by a second one."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."
