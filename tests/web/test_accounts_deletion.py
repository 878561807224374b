"""Soft deletion: a record that matters is marked deleted, recorded, and can come back.

The model is made for this test only: 石桥村's note about 赵小军's household.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, models

from fangfan.web.accounts.audit import SoftDeleteModel, SoftDeletionRefused, history
from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user

pytestmark = pytest.mark.django_db(transaction=True)


class VillageNote(SoftDeleteModel):
    REGION_FIELD = "village_code"

    village_code = models.CharField("行政村代码", max_length=12)
    text = models.CharField("内容", max_length=100)

    class Meta:
        app_label = "accounts"

    def __str__(self) -> str:
        return self.text


@pytest.fixture
def note_table() -> Iterator[None]:
    with connection.schema_editor() as editor:
        editor.create_model(VillageNote)
    yield
    with connection.schema_editor() as editor:
        editor.delete_model(VillageNote)


@pytest.fixture
def township(note_table: None) -> User:
    make_regions()
    return make_user("township", "621226100")


def test_soft_deletion_hides_the_record_and_keeps_it_with_a_trace(township: User) -> None:
    note = VillageNote.objects.create(village_code="621226100201", text="赵小军家危房待鉴定")
    note.soft_delete(township)
    assert not VillageNote.objects.exists()
    kept = VillageNote.all_objects.get()
    assert kept.deleted_by == township and kept.deleted_at is not None
    event = history(kept).get()
    assert event.action == "delete" and event.old["text"] == "赵小军家危房待鉴定"


def test_a_soft_deleted_record_comes_back_on_record(township: User) -> None:
    note = VillageNote.objects.create(village_code="621226100201", text="赵小军家危房待鉴定")
    note.soft_delete(township)
    note.restore(township)
    assert VillageNote.objects.get() == note
    restored, _ = history(note)
    assert restored.action == "update" and restored.new == {"deleted_at": None, "deleted_by": None}


def test_deleting_for_good_is_refused(township: User) -> None:
    note = VillageNote.objects.create(village_code="621226100201", text="赵小军家危房待鉴定")
    with pytest.raises(SoftDeletionRefused):
        note.delete()
    with pytest.raises(SoftDeletionRefused):
        VillageNote.objects.all().delete()
    assert VillageNote.all_objects.count() == 1


def test_update_audited_saves_and_records(township: User) -> None:
    note = VillageNote.objects.create(village_code="621226100201", text="赵小军家危房待鉴定")
    note.update_audited(township, text="赵小军家危房已鉴定为C级")
    assert VillageNote.objects.get().text == "赵小军家危房已鉴定为C级"
    event = history(note).get()
    assert event.old == {"text": "赵小军家危房待鉴定"} and event.new == {"text": "赵小军家危房已鉴定为C级"}
