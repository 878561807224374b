"""Personal data: ID and phone numbers masked by default, revealed one at a time on record.

A model holding personal data names the fields and their kind::

    class Member(models.Model):
        REGION_FIELD = "household__village_code"
        PERSONAL_FIELDS = {"id_number": "id", "phone": "phone"}

Templates show ``{{ member.id_number|mask_id }}``, or ``{% personal_value member "id_number" %}``
(``{% load personal %}``), which adds the 查看 control for users who may unmask.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model

from fangfan.web.accounts.models import UnmaskEvent, User

ID = "id"
PHONE = "phone"


def mask_id(value: object) -> str:
    """An ID number with only its first 6 and last 4 characters shown.

    >>> mask_id("62122619800101123X")
    '621226********123X'
    """
    text = "" if value is None else str(value).strip()
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_phone(value: object) -> str:
    """A phone number with its first 3 and last 4 digits shown.

    >>> mask_phone("13812345678")
    '138****5678'
    """
    text = "" if value is None else str(value).strip()
    if len(text) <= 7:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


MASKS = {ID: mask_id, PHONE: mask_phone}


def personal_fields(model: type[Model] | Model) -> dict[str, str]:
    """The personal fields a model declares, field name → kind ("id" or "phone")."""
    return dict(getattr(model, "PERSONAL_FIELDS", {}))


def masked(obj: Model, field: str) -> str:
    """The masked value of one personal field of `obj`."""
    kind = personal_fields(obj)[field]
    return MASKS[kind](getattr(obj, field))


@transaction.atomic
def record_unmask(user: User, obj: Model, field: str, reason: str) -> str:
    """Write the UnmaskEvent and return the full value. The caller has checked access."""
    if field not in personal_fields(obj):
        raise ValueError(f"{type(obj).__name__}.{field} is not a declared personal field")
    UnmaskEvent.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        field=field,
        reason=reason,
    )
    value = getattr(obj, field)
    return "" if value is None else str(value)
