"""`{% if grievance|may:"grievance_handle" %}`: the access gate's answer for the signed-in user."""

from __future__ import annotations

from typing import Any

from django import template

from fangfan.web.accounts.access import can

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context: Any, action: str, record: Any) -> bool:
    """Whether the page's user may do `action` to `record` (`access.can`)."""
    return can(context["request"].user, action, record)
