"""Small rules of written English the app's messages share."""

from __future__ import annotations


def sentence(text: str) -> str:
    """The text ended by one full stop: "Ember Textiles Inc." is not followed by a second one."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def and_list(items: list[str]) -> str:
    """ "Lee", "Lee and Sam", "Lee, Sam and Alex"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
