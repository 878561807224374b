"""A township's month of offline visits: an export too large for a request goes to the worker.

石桥村's team uploads the four-row ODK Central export of test_odk_visits (王秀英 under the line,
赵永福 above it, 马占山 of 北关村 outside their region, a household number that does not exist),
here with `FANGFAN_ODK_INLINE_ROWS` at 2 so that it counts as large: the page says it waits,
the worker imports it (run here synchronously, as the assessment tests do) with the same
per-row placing and duplicate handling, and the page then shows the same report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from fangfan.web.monitoring.models import Intake, Visit
from fangfan.web.odk import imports
from fangfan.web.odk.models import Submission, SubmissionImport
from fangfan.web.odk.tasks import import_waiting_task

from .test_odk_visits import (
    MA_HOUSEHOLD,
    SHIQIAO,
    WANG_HOUSEHOLD,
    ZHAO_HOUSEHOLD,
    _answers,
    central_csv,
    upload,
)

pytestmark = pytest.mark.django_db
EXPORT = [
    ("wang-1", _answers(WANG_HOUSEHOLD, "6000")),
    ("zhao-1", _answers(ZHAO_HOUSEHOLD, "60000", food_protein="否")),
    ("ma-1", _answers(MA_HOUSEHOLD, "1000")),
    ("nobody-1", _answers(f"{SHIQIAO}0099", "1000")),
]


@pytest.fixture
def small_requests(settings: Any, tmp_path: Path) -> Path:
    """Exports of more than two rows go to the worker; kept files under a fresh MEDIA_ROOT."""
    settings.FANGFAN_ODK_INLINE_ROWS = 2
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def _counts(batch: SubmissionImport) -> tuple[Any, ...]:
    batch.refresh_from_db()
    return (batch.status, batch.rows, batch.created, batch.leads, batch.duplicates, batch.unplaced_count)


def test_a_large_export_waits_for_the_worker_and_its_page_then_shows_the_report(
    cast, client_for, small_requests, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    village = client_for(cast["village"])
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(village, "submissions.csv", central_csv(EXPORT))
    batch = SubmissionImport.objects.get()
    assert response["Location"] == reverse("odk:import_detail", args=[batch.pk])
    assert _counts(batch) == ("queued", 4, 0, 0, 0, 0) and not Visit.objects.exists()
    assert DBTaskResult.objects.filter(args_kwargs__args=[batch.pk]).count() == 1
    assert len(list((small_requests / "odk" / "waiting").iterdir())) == 1
    page = village.get(response["Location"]).text
    assert "文件较大（4 条提交），已交后台导入" in page and "排队中" in page
    assert f'hx-get="{reverse("odk:import_status", args=[batch.pk])}"' in page
    assert "HX-Refresh" not in village.get(reverse("odk:import_status", args=[batch.pk]))

    import_waiting_task.call(batch.pk)
    assert _counts(batch) == ("done", 4, 2, 1, 0, 2) and batch.waiting_file == ""
    assert list((small_requests / "odk" / "waiting").iterdir()) == []
    assert Intake.objects.get().household_id == WANG_HOUSEHOLD
    assert village.get(reverse("odk:import_status", args=[batch.pk]))["HX-Refresh"] == "true"
    done = village.get(reverse("odk:import_detail", args=[batch.pk])).text
    assert "hx-get" not in done and "该户不在您的辖区内" in done and "系统中没有该户编号的农户" in done
    assert village.get(reverse("odk:import_report", args=[batch.pk])).status_code == 200


def test_an_export_within_the_limit_is_still_imported_while_the_request_waits(
    cast, client_for, small_requests
):
    upload(client_for(cast["village"]), "submissions.csv", central_csv(EXPORT[:2]))
    assert _counts(SubmissionImport.objects.get()) == ("done", 2, 2, 1, 0, 0)


def test_submissions_imported_before_are_duplicates_in_the_worker_too(
    cast, client_for, small_requests, django_capture_on_commit_callbacks
):
    village = client_for(cast["village"])
    upload(village, "first.csv", central_csv(EXPORT[:1]))  # 王秀英's visit, imported at once
    with django_capture_on_commit_callbacks(execute=True):
        upload(village, "month.csv", central_csv([EXPORT[0], EXPORT[1], EXPORT[1]]))
    batch = SubmissionImport.objects.get(file_name="month.csv")
    import_waiting_task.call(batch.pk)
    assert _counts(batch) == ("done", 3, 1, 0, 2, 0)
    assert Visit.objects.count() == 2 and Submission.objects.count() == 2
    import_waiting_task.call(batch.pk)  # a task run twice imports nothing twice
    assert Visit.objects.count() == 2


def test_a_background_import_that_breaks_off_records_no_visit_and_says_so(
    cast, client_for, small_requests, monkeypatch
):
    village = client_for(cast["village"])
    upload(village, "submissions.csv", central_csv(EXPORT))
    batch = SubmissionImport.objects.get()
    recorded = imports.record_visit

    def breaks_on_the_second(*args: Any, **kwargs: Any) -> Any:
        if Visit.objects.exists():
            raise RuntimeError("connection lost")
        return recorded(*args, **kwargs)

    monkeypatch.setattr(imports, "record_visit", breaks_on_the_second)
    with pytest.raises(RuntimeError):
        import_waiting_task.call(batch.pk)
    assert _counts(batch) == ("failed", 4, 0, 0, 0, 0)
    assert not Visit.objects.exists() and not Submission.objects.exists() and not Intake.objects.exists()
    assert list((small_requests / "odk" / "waiting").iterdir()) == []
    page = village.get(reverse("odk:import_detail", args=[batch.pk])).text
    assert "导入时出现系统错误，没有导入任何一行" in page and "connection lost" not in page


def test_another_teams_waiting_import_is_not_found(cast, client_for, small_requests):
    upload(client_for(cast["village"]), "submissions.csv", central_csv(EXPORT))
    batch = SubmissionImport.objects.get()
    status = reverse("odk:import_status", args=[batch.pk])
    assert client_for(cast["shangping"]).get(status).status_code == 404
    assert client_for(cast["wudu_township"]).get(status).status_code == 404
    assert client_for(cast["township"]).get(status).status_code == 200
    assert client_for(cast["department"]).get(status).status_code == 403
