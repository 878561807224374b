"""Personal data: ID and phone numbers masked by default, revealed one at a time on record.

A model holding personal data names the fields and their kind::

    class Member(models.Model):
        REGION_FIELD = "household__village_code"
        PERSONAL_FIELDS = {"id_number": "id", "phone": "phone"}

Templates show ``{{ member.id_number|mask_id }}``, or ``{% personal_value member "id_number" %}``
(``{% load personal %}``), which adds the 查看 control for users who may unmask.

A masked ID hides the holder's birth date, so a birth date is shown as its year
(``{{ member.birth_date|birth_year }}``), and free text that may carry numbers — finding
messages, evidence, notes, what a reporter wrote — goes through ``{{ text|mask_text }}``
(whole ID numbers, mobile numbers and labelled birth dates masked; `fangfan.engine.masking`,
which the printed ledgers use too).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model

from fangfan.engine.masking import birth_year, mask_id, mask_phone, mask_text
from fangfan.web.accounts.models import UnmaskEvent, User

__all__ = [
    "ID",
    "MASKS",
    "PHONE",
    "birth_year",
    "mask_id",
    "mask_phone",
    "mask_text",
    "masked",
    "personal_fields",
    "record_unmask",
]

ID = "id"
PHONE = "phone"


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
