"""{% load audit %}: `{% audit_trail record %}` renders a record's history of changes."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Model

from fangfan.web.accounts.audit import history_rows

register = template.Library()


@register.inclusion_tag("accounts/history_events.html")
def audit_trail(record: Model) -> dict[str, Any]:
    """Who changed what on `record`, when, from which value to which (personal data masked)."""
    return {"rows": history_rows(record)}
