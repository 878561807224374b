"""Evidence's verbs: every upload and removal of a proof file goes through one of these.

Each checks the gate (`can(user, "evidence_upload", household)`), then writes in one
transaction with its AuditEvent. The file is checked, re-encoded and written before the
transaction (seconds of Pillow work must not hold the database's write lock); the
records are all or nothing.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from fangfan.engine import formatting
from fangfan.engine.evidence.needs import Need
from fangfan.web.accounts.access import can
from fangfan.web.accounts.audit import record_creation
from fangfan.web.accounts.models import User
from fangfan.web.evidence.completeness import forget_village
from fangfan.web.evidence.files import Refused, check_file, shown_name, size_text
from fangfan.web.evidence.models import EvidenceItem
from fangfan.web.evidence.storage import keep
from fangfan.web.registry.models import Household


class AlreadyUploaded(Refused):
    """The same file is already filed under the same need of the household."""


def _require(user: User, household: Household) -> None:
    if not can(user, "evidence_upload", household):
        raise PermissionDenied("您无权为该户上传或删除佐证资料")


def upload_evidence(
    user: User, household: Household, need: Need, year: int, upload: UploadedFile[bytes], note: str = ""
) -> EvidenceItem:
    """File `upload` as the household's proof for `need` in policy `year`.

    Raises `Refused` (a Chinese message naming the file) for a file of the wrong type, too
    large, broken or unsafe, and `AlreadyUploaded` for the same bytes under the same need.
    """
    _require(user, household)
    name = upload.name or "未命名文件"
    if upload.size and upload.size > settings.FANGFAN_EVIDENCE_MAX_BYTES:  # before reading it at all
        raise Refused(
            f"文件“{shown_name(name)}”有{size_text(upload.size)}，"
            f"超过{size_text(settings.FANGFAN_EVIDENCE_MAX_BYTES)}的上限，未保存。"
        )
    data = upload.read(settings.FANGFAN_EVIDENCE_MAX_BYTES + 1)
    checked = check_file(
        name,
        data,
        max_bytes=settings.FANGFAN_EVIDENCE_MAX_BYTES,
        max_pixels=settings.FANGFAN_EVIDENCE_MAX_PIXELS,
    )
    with transaction.atomic():
        # One upload at a time per household (PostgreSQL; SQLite's writers queue anyway): the
        # same photo sent twice at once is then 已上传过 the second time, not filed twice.
        list(Household.objects.select_for_update().filter(pk=household.pk).values_list("pk", flat=True))
        stored = keep(checked)
        earlier = (
            EvidenceItem.objects.filter(
                household=household, policy_year=year, file=stored, requirement=need.requirement
            )
            .filter(subject=need.subject, proof=need.proof.key)
            .select_related("uploaded_by")
            .first()
        )
        if earlier is not None:
            raise AlreadyUploaded(
                f"文件“{shown_name(name)}”已上传过：{formatting.datetime_text(earlier.uploaded_at)}"
                f"由{earlier.uploaded_by.display_name}上传为“{earlier.title}”，未重复保存。"
            )
        item = EvidenceItem.objects.create(
            household=household,
            village_code=household.village_code,
            policy_year=year,
            requirement=need.requirement,
            subject=need.subject,
            proof=need.proof.key,
            title=need.title[:120],
            file=stored,
            original_name=name[:255],
            taken_at=_aware(checked.taken_at),
            note=note.strip()[:200],
            uploaded_by=user,
        )
        record_creation(user, item)
        forget_village(household.village_code)
    return item


def _aware(taken_at: dt.datetime | None) -> dt.datetime | None:
    """The camera's local time, read as the site's time zone (EXIF carries none)."""
    return timezone.make_aware(taken_at) if taken_at is not None else None


@transaction.atomic
def remove_evidence(user: User, item: EvidenceItem, reason: str) -> None:
    """删除: the item is marked deleted with the reason (its file stays: others may share it)."""
    _require(user, item.household)
    reason = reason.strip()
    if not reason:
        raise Refused("请填写删除原因")
    item.removal_reason = reason[:200]
    item.save(update_fields=["removal_reason"])
    item.soft_delete(user)
    forget_village(item.village_code)
