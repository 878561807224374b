"""{% load jobs_tags %}: `lookup` (a dict's value by key, for region names by code)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def lookup(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, key)
