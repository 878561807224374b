"""{% load personal %}: `mask_id`, `mask_phone`, `mask_text`, `birth_year`, `{% personal_value %}`."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Model

from fangfan.web.accounts import personal
from fangfan.web.accounts.access import can

register = template.Library()


@register.filter
def mask_id(value: object) -> str:
    """621226********123X: the first 6 and last 4 characters of an ID number."""
    return personal.mask_id(value)


@register.filter
def mask_phone(value: object) -> str:
    """138****5678: the first 3 and last 4 digits of a phone number."""
    return personal.mask_phone(value)


@register.filter
def mask_text(value: object) -> str:
    """Free text (a message, a note, evidence) with whole ID and mobile numbers and birth dates masked."""
    return personal.mask_text(value)


@register.filter
def birth_year(value: object) -> str:
    """1968年: a birth date shown beside a masked ID keeps only its year."""
    return personal.birth_year(value)


@register.inclusion_tag("accounts/personal_value.html", takes_context=True)
def personal_value(context: template.Context, obj: Model, field: str) -> dict[str, Any]:
    """The masked value, with a 查看 control (reason required, recorded) for users who may unmask."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "obj": obj,
        "field": field,
        "masked": personal.masked(obj, field),
        "model_label": obj._meta.label_lower,
        "can_unmask": can(user, "unmask", obj),
        "csrf_token": context.get("csrf_token"),
    }
