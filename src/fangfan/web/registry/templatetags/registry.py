"""{% load registry %}: `count` shows a whole number with thousands separators (612,345)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def count(value: object) -> str:
    """12345 → "12,345"; anything not a number as it is, nothing as —."""
    if value is None or value == "":
        return "—"
    try:
        return f"{int(value):,}"  # type: ignore[call-overload]  # whatever int() refuses is shown as it is
    except (TypeError, ValueError):
        return str(value)
