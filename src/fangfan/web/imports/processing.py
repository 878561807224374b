"""How an upload becomes a run: check the file, try it with the office's other files, publish.

    process_upload(upload_id)        # what the background worker runs

1. **检查上传的文件**: the engine reads the file alone (`precheck`); a file it cannot use
   is refused with every reason and problem, and nothing else happens. Rows outside the
   uploader's region are listed and cut from the copy the set keeps (`clean`).
2. The file joins a candidate copy of the office's input set, replacing the older file
   of its table for its region (`inputs.InputSet.candidate`). A file much poorer than the
   ones it replaces (`rows.drops`) is held (待市级确认) with the comparison, and goes on
   only when the city office confirms it (`actions.confirm_upload`).
3. import → link → screen on the whole candidate set (`fangfan.engine.pipeline.import_link_screen`).
4. The run is published to the web application (`fangfan.web.publishing.publish_run`).
5. Only then does the candidate become the current set; on any failure before, the
   current set, snapshot pointer of the web and published run stay as they were.

The set is locked from step 1 to 5, so uploads are processed one after another.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePath

import polars as pl
from django.conf import settings
from django.core.files.storage import default_storage

from fangfan.engine.ingest import NothingToImport
from fangfan.engine.ingest.guard import ReadLimits
from fangfan.engine.pipeline import PipelineResult, import_link_screen
from fangfan.engine.progress import Progress
from fangfan.engine.regions import CITY_CODE
from fangfan.engine.schema import TABLES
from fangfan.engine.snapshot import SnapshotError, SnapshotStore
from fangfan.web.accounts.access import can, code_prefix, level_prefix
from fangfan.web.imports import actions, liveness
from fangfan.web.imports.clean import CannotClean, without_rows
from fangfan.web.imports.inputs import Candidate, InputConflict, InputFile, InputSet
from fangfan.web.imports.models import Upload
from fangfan.web.imports.precheck import Precheck, precheck_file
from fangfan.web.imports.progress import UploadProgress
from fangfan.web.imports.rows import CODE_OUTSIDE, Registry, Thresholds, drops
from fangfan.web.regions.models import Region

logger = logging.getLogger(__name__)

STEP_CHECK = "检查上传的文件"
CITY_PREFIX = level_prefix(CITY_CODE, Region.Level.CITY)
UNCHANGED = "当前使用的数据没有改变。"


def process_upload(upload_id: int) -> None:
    """Process one queued upload to the end (done, failed or held); a no-op if it is not queued.

    The upload's lock is held throughout (`liveness`): were this worker killed, the next look
    at the uploads fails it with the reason instead of leaving it 运行中 for ever."""
    liveness.fail_abandoned()
    with liveness.working_on(upload_id):
        _claim_and_process(upload_id)


def _claim_and_process(upload_id: int) -> None:
    upload = actions.start_processing(upload_id)
    if upload is None:
        return
    progress = UploadProgress(upload)
    try:
        _process(upload, progress, InputSet())
    except Exception:
        # The details go to the log; the uploader reads a sentence without library text or paths.
        logger.exception("processing upload %s failed", upload_id)
        actions.fail_processing(upload, f"处理时出现系统错误。{UNCHANGED}请联系系统管理员。")
        raise


def _process(upload: Upload, progress: UploadProgress, inputs: InputSet) -> None:
    with tempfile.TemporaryDirectory(prefix="fangfan-upload-") as scratch, inputs.lock():
        local = _local_copy(upload, Path(scratch))
        registry = _registry(inputs)
        check = _precheck(upload, local.parent, registry, progress)
        kept = _kept_rows(upload, local, check, Path(scratch)) if not check.refused else None
        if kept is None:
            reasons = "；".join(check.refusals)
            outcome = f"文件未通过检查，没有使用：{reasons}。{UNCHANGED}"
            actions.fail_processing(upload, outcome, problems=check.problems, tables=check.tables)
            return
        new = InputFile(
            path=f"{upload.folder}/{local.name}",
            region_prefix=code_prefix(upload.region),
            tables=tuple(check.tables),
            label=upload.original_name,
            upload_id=upload.pk,
        )
        try:
            candidate = inputs.candidate(new, kept, as_of=upload.as_of)
        except InputConflict as conflict:
            actions.fail_processing(
                upload, f"{conflict}{UNCHANGED}", problems=check.problems, tables=check.tables
            )
            return
        if upload.review != Upload.Review.CONFIRMED:
            comparison = _comparison(check, inputs, candidate, registry, Path(scratch))
            if any(item["reasons"] for item in comparison):
                inputs.discard(candidate)
                actions.hold_processing(
                    upload,
                    comparison=comparison,
                    problems=check.problems,
                    tables=check.tables,
                    notes=candidate.notes,
                )
                return
        result = _run_candidate(upload, inputs, candidate, progress)
        if result is None:
            return
    actions.finish_processing(
        upload,
        problems=result.problems_in(upload.folder)
        .with_columns(pl.col("file").str.strip_prefix(f"{upload.folder}/"))
        .pipe(_with_outside, check.problems),
        tables=check.tables,
        snapshot_id=result.snapshot.id,
        run_id=result.run_id,
        findings=result.findings,
        notes=candidate.notes,
    )


def _with_outside(problems: pl.DataFrame, checked: pl.DataFrame) -> pl.DataFrame:
    """The run's problems and the rows refused as outside the region (the run never saw them)."""
    outside = checked.filter(pl.col("code") == CODE_OUTSIDE).select(problems.columns)
    return pl.concat([problems, outside], how="vertical_relaxed") if outside.height else problems


def _kept_rows(upload: Upload, local: Path, check: Precheck, scratch: Path) -> Path | None:
    """The file the set will keep: `local`, or a copy without the rows outside the region."""
    if not check.outside:
        return local
    folder = scratch / "kept"
    folder.mkdir(exist_ok=True)
    try:
        return without_rows(local, check.outside, folder / local.name)
    except CannotClean as refusal:
        check.refusals.append(str(refusal))
        return None


def _comparison(
    check: Precheck, inputs: InputSet, candidate: Candidate, registry: Registry | None, scratch: Path
) -> list[dict[str, object]]:
    """Each table of the new file next to the same table in the files it replaces, and any sharp drop."""
    if not candidate.replaced:
        return []
    folder = scratch / "current"
    folder.mkdir()
    for item in candidate.replaced:
        target = folder / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(inputs.current / item.path, target)
    current = precheck_file(
        folder, declared=check.tables[0], may_upload=lambda table: True, registry=registry
    ).profiles
    limits = _thresholds()
    return [
        {
            "table": name,
            "title": TABLES[name].title,
            "current": current[name].as_dict(),
            "new": profile.as_dict(),
            "reasons": drops(profile, current[name], limits),
        }
        for name, profile in check.profiles.items()
        if name in current
    ]


def _thresholds() -> Thresholds:
    return Thresholds(
        rows_percent=settings.FANGFAN_UPLOAD_HOLD_ROWS_PERCENT,
        valid_id_drop=settings.FANGFAN_UPLOAD_HOLD_VALID_ID_DROP,
        linked_drop=settings.FANGFAN_UPLOAD_HOLD_LINKED_DROP,
        counties_lost=settings.FANGFAN_UPLOAD_HOLD_COUNTIES_LOST,
    )


def _run_candidate(
    upload: Upload, inputs: InputSet, candidate: Candidate, progress: Progress
) -> PipelineResult | None:
    """import → link → screen → publish on the candidate; it becomes current only if all pass."""
    try:
        result = run_and_publish(
            candidate.folder, as_of=candidate.as_of, progress=progress, files=candidate.files
        )
    except NothingToImport as nothing:
        inputs.discard(candidate)
        # The engine names the folder it read; the uploader is not shown server paths.
        message = str(nothing).replace(str(candidate.folder), "上传的文件").replace(f"{upload.folder}/", "")
        actions.fail_processing(upload, f"{message}{UNCHANGED}")
        return None
    except BaseException:
        inputs.discard(candidate)
        raise
    inputs.adopt(candidate, result.tables_by_file(), snapshot_id=result.snapshot.id)
    return result


def run_and_publish(
    folder: Path, *, as_of: dt.date, progress: Progress, files: Iterable[InputFile] = ()
) -> PipelineResult:
    """import → link → screen on `folder`, then publish the run to the web application.

    A county's file (`files`, as the input set knows them) links only to people of its county.
    """
    from fangfan.web.publishing import publish_run

    regions = {item.path: item.region_prefix for item in files if item.region_prefix != CITY_PREFIX}
    result = import_link_screen(folder, as_of=as_of, progress=progress, file_regions=regions)
    publish_run(result.run_dir, result.snapshot.path, links=result.links_path, progress=progress)
    return result


def load_folder(
    source: Path, files: Iterable[Path], *, as_of: dt.date, progress: Progress, inputs: InputSet | None = None
) -> PipelineResult:
    """Make `files` the office's whole input set, as the city office's (the demo seeds this way)."""
    inputs = inputs or InputSet()
    with inputs.lock():
        candidate = inputs.candidate_from_folder(
            source, files, region_prefix=CITY_PREFIX, label="demo", as_of=as_of
        )
        try:
            result = run_and_publish(candidate.folder, as_of=as_of, progress=progress)
        except BaseException:
            inputs.discard(candidate)
            raise
        inputs.adopt(candidate, result.tables_by_file(), snapshot_id=result.snapshot.id)
    return result


def _local_copy(upload: Upload, scratch: Path) -> Path:
    """The uploaded file alone in a folder, under its own name (the engine reads folders)."""
    folder = scratch / "file"
    folder.mkdir()
    suffix = PurePath(upload.original_name).suffix.lower()
    stem = PurePath(upload.original_name).stem.strip(". ") or "上传文件"
    local = folder / f"{stem}{suffix}"
    with default_storage.open(upload.stored_file, "rb") as stored, local.open("wb") as target:
        shutil.copyfileobj(stored, target)
    return local


def _precheck(upload: Upload, folder: Path, registry: Registry | None, progress: Progress) -> Precheck:
    progress.start(STEP_CHECK, total=1)
    check = precheck_file(
        folder,
        declared=upload.feed,
        may_upload=lambda table: can(upload.uploaded_by, "upload", table),
        region_prefix=code_prefix(upload.region),
        registry=registry,
        limits=ReadLimits(
            max_unpacked_bytes=settings.FANGFAN_UPLOAD_MAX_UNPACKED_BYTES,
            max_compression_ratio=settings.FANGFAN_UPLOAD_MAX_COMPRESSION_RATIO,
            max_rows=settings.FANGFAN_UPLOAD_MAX_ROWS,
        ),
    )
    progress.finish(STEP_CHECK)
    return check


def _registry(inputs: InputSet) -> Registry | None:
    """The current set's snapshot: its households check members and income, its people place rows."""
    snapshot_id = inputs.snapshot_id()
    if not snapshot_id:
        return None
    try:
        snapshot = SnapshotStore().get(snapshot_id)
    except SnapshotError:
        return None
    if not snapshot.has("households"):
        return None
    members = snapshot.read("members") if snapshot.has("members") else None
    return Registry.from_frames(snapshot.read("households"), members)
