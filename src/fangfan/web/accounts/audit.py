"""Who changed what and when: AuditEvent records, a record's history, soft deletion.

Verb functions record their writes, in the same transaction::

    @transaction.atomic
    def mark_fixed(user, finding, note):
        with track_changes(user, finding):
            finding.status = Finding.Status.FIXED
            finding.note = note
            finding.save()

or, for a plain field update, ``finding.update_audited(user, status="fixed")`` on a model
that mixes in `Audited`. Templates show the trail with
``{% include "accounts/history.html" with record=finding %}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from fangfan.engine import formatting
from fangfan.web.accounts.models import AuditEvent, User
from fangfan.web.accounts.personal import MASKS, birth_year, mask_text, personal_fields

Action = AuditEvent.Action


def _json_safe(value: Any) -> Any:
    """The value as it will read back from the JSON column (dates and decimals as text)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def field_values(obj: Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The record's own column values, by field name (a foreign key as its id), JSON-safe."""
    concrete = [field for field in obj._meta.concrete_fields if not field.primary_key]
    wanted = set(fields) if fields is not None else None
    return {
        field.name: _json_safe(getattr(obj, field.attname))
        for field in concrete
        if wanted is None or field.name in wanted
    }


def record_change(
    user: User | None, obj: Model, old: dict[str, Any], new: dict[str, Any], action: str
) -> AuditEvent | None:
    """Write one AuditEvent; for an update, only the fields whose value changed (None if none did)."""
    action = Action(action)
    old, new = _json_safe(old), _json_safe(new)
    if action == Action.UPDATE:
        changed = sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
        if not changed:
            return None
        old = {key: old.get(key) for key in changed}
        new = {key: new.get(key) for key in changed}
    return AuditEvent.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        old=old,
        new=new,
    )


def record_creation(user: User | None, obj: Model) -> AuditEvent | None:
    return record_change(user, obj, {}, field_values(obj), Action.CREATE)


def record_deletion(user: User | None, obj: Model) -> AuditEvent | None:
    return record_change(user, obj, field_values(obj), {}, Action.DELETE)


@contextmanager
def track_changes(user: User | None, obj: Model, fields: Iterable[str] | None = None) -> Iterator[None]:
    """Record what the block changes on `obj` (call `obj.save()` inside it)."""
    names = list(fields) if fields is not None else None
    old = field_values(obj, names)
    with transaction.atomic():
        yield
        record_change(user, obj, old, field_values(obj, names), Action.UPDATE)


def history(obj: Model) -> QuerySet[AuditEvent]:
    """The record's AuditEvents, newest first."""
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("user")


def _label(model: type[Model], name: str) -> str:
    try:
        field = model._meta.get_field(name)
    except Exception:  # a field since removed from the model keeps its name
        return name
    if not isinstance(field, models.Field):  # a reverse relation keeps its name
        return name
    return str(field.verbose_name)


def _shown(model: type[Model], name: str, value: Any) -> Any:
    """A stored value as a person reads it: a choice's label, a related record's name, 是/否."""
    if value is None or value == "":
        return None
    if isinstance(value, list):  # a multiple choice kept as a JSON list, its items named by the model
        item_label = getattr(model, "AUDIT_ITEM_LABELS", {}).get(name, str)
        return "、".join(item_label(item) for item in value) or None
    try:
        field = model._meta.get_field(name)
    except Exception:  # a field since removed: its raw value
        return value
    if getattr(field, "choices", None):
        # only a field has choices (its reverse relation does not), but mypy cannot see it from getattr
        return dict(field.flatchoices).get(value, value)  # type: ignore[union-attr]
    if isinstance(field, models.BooleanField):
        return "是" if value else "否"
    if isinstance(field, models.DateTimeField):  # kept in UTC: shown in local time
        return formatting.datetime_text(str(value))
    if isinstance(field, models.DateField):
        return formatting.date_text(str(value))
    if isinstance(field, models.DecimalField) and field.decimal_places == 2:  # amounts of money
        return formatting.money_text(value)
    if name in REGION_CODE_FIELDS:
        return _region_name(str(value))
    if isinstance(field, models.ForeignKey):
        related = field.related_model._default_manager.filter(pk=value).first()
        if related is None:
            return value
        return getattr(related, "display_name", None) or str(related)
    return value


REGION_CODE_FIELDS = frozenset({"county_code", "township_code", "village_code", "region_code"})


def _region_name(code: str) -> str:
    """A region code as its names below the city, the code after them: 礼县城关镇石桥村（621226100201）."""
    from fangfan.web.regions.models import Region  # regions' models import nothing from here

    region = Region.objects.select_related("parent__parent").filter(code=code).first()
    names = []
    while region is not None and region.level != Region.Level.CITY:
        names.append(region.name)
        region = region.parent
    return f"{''.join(reversed(names))}（{code}）" if names else code


def history_rows(obj: Model) -> list[dict[str, Any]]:
    """The trail as the page shows it: each event with (field label, old, new); personal data masked."""
    model = type(obj)
    masks = {name: MASKS[kind] for name, kind in personal_fields(model).items()}
    rows = []
    for event in history(obj):
        names = sorted(event.old.keys() | event.new.keys())
        if "village_code" in names:  # the village names its township and county already
            names = [name for name in names if name not in ("township_code", "county_code")]
        changes = []
        for name in names:
            old, new = event.old.get(name), event.new.get(name)
            if name in masks:
                old, new = masks[name](old), masks[name](new)
            else:
                old, new = (
                    _unidentifying(name, _shown(model, name, old)),
                    _unidentifying(name, _shown(model, name, new)),
                )
            if old in (None, "") and new in (None, ""):  # a blank field of a new record says nothing
                continue
            changes.append((_label(model, name), old, new))
        rows.append({"event": event, "changes": changes})
    return rows


def _unidentifying(name: str, value: Any) -> Any:
    """A value beside masked ones: a birth date as its year, numbers inside text masked."""
    if value is None:
        return None
    if name.endswith("birth_date"):
        return birth_year(value)
    if isinstance(value, dict | list):  # evidence and other JSON, as text
        value = json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    return mask_text(value) if isinstance(value, str) else value


class Audited:
    """Mixin for models changed by people: `update_audited` saves and records in one step."""

    def update_audited(self, user: User | None, **changes: Any) -> AuditEvent | None:
        assert isinstance(self, Model)
        with transaction.atomic():
            old = field_values(self, changes)
            for name, value in changes.items():
                setattr(self, name, value)
            self.save(update_fields=list(changes))
            return record_change(user, self, old, field_values(self, changes), Action.UPDATE)


class SoftDeletionRefused(Exception):
    """A soft-deleted model was asked to delete a row for good."""


_M = TypeVar("_M", bound=Model)


class LiveQuerySet(models.QuerySet[_M]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise SoftDeletionRefused("该记录只能标记删除（soft_delete），不能真正删除")


class LiveManager(models.Manager[_M]):
    """Rows not marked deleted."""

    def get_queryset(self) -> QuerySet[_M]:
        return LiveQuerySet(self.model, using=self._db).filter(deleted_at__isnull=True)


class SoftDeleteModel(Audited, models.Model):
    """Abstract base for records that matter: 'deleting' marks the row and records it.

    `objects` hides deleted rows; `all_objects` shows them (history, restore).
    """

    deleted_at = models.DateTimeField("删除时间", null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="删除人",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # The default manager (first) sees every row, so related lookups and the admin still
    # find a deleted record; `objects` is what pages list.
    all_objects = models.Manager()
    objects = LiveManager()

    class Meta:
        abstract = True

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise SoftDeletionRefused("该记录只能标记删除（soft_delete），不能真正删除")

    @transaction.atomic
    def soft_delete(self, user: User | None) -> None:
        """Mark the row deleted, keeping it and its values; write a delete AuditEvent."""
        record_deletion(user, self)
        self.deleted_at = timezone.now()
        self.deleted_by = user
        self.save(update_fields=["deleted_at", "deleted_by"])

    @transaction.atomic
    def restore(self, user: User | None) -> None:
        """Bring a soft-deleted row back, recording it."""
        self.update_audited(user, deleted_at=None, deleted_by=None)
