"""Publishing engine runs: counts equal the Parquet's, re-publishing is a no-op, a later run
resolves what vanished without touching the office's work, and a failure leaves nothing."""

from __future__ import annotations

import contextlib
import fcntl
import json
import threading
from collections.abc import Iterator

import polars as pl
import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from fangfan.web.accounts.models import AuditEvent
from fangfan.web.accounts.testing import make_user
from fangfan.web.publishing import PublishError, publish_run
from fangfan.web.regions.models import Region
from fangfan.web.registry import publish as publishing
from fangfan.web.registry.models import (
    DepartmentRecord,
    Finding,
    FindingEvent,
    Household,
    HouseholdRunSummary,
    Member,
    Run,
    VillageFindingCount,
    VillageHouseholdCount,
)
from fangfan.web.workqueue import actions

from .conftest import EngineData, wipe_registry

pytestmark = pytest.mark.django_db


def _snapshot_table(snapshot: object, name: str) -> pl.DataFrame:
    return pl.read_parquet(f"{snapshot}/{name}.parquet")


def _summary(run_dir: object) -> dict[str, object]:
    return json.loads((run_dir / "summary.json").read_text("utf-8"))  # type: ignore[operator]


def _records_written() -> set[str]:
    """The snapshots of every department record written so far: the table's, and on
    PostgreSQL those of the table a publish fills beside it (`loading.ShadowTable`)."""
    written = set(DepartmentRecord.all_objects.values_list("snapshot_id", flat=True))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('registry_departmentrecord_next') IS NOT NULL")
            if cursor.fetchone()[0]:
                cursor.execute("SELECT DISTINCT snapshot_id FROM registry_departmentrecord_next")
                written |= {row[0] for row in cursor.fetchall()}
    return written


def test_publishing_a_run_loads_every_household_member_and_finding(engine_data: EngineData) -> None:
    result = publish_run(engine_data.first_run, engine_data.first_snapshot)
    summary = _summary(engine_data.first_run)
    households = _snapshot_table(engine_data.first_snapshot, "households")
    members = _snapshot_table(engine_data.first_snapshot, "members")
    assert result.created
    assert Household.objects.count() == households.height == summary["households"]
    assert Member.objects.count() == members.height == summary["persons"]
    assert Finding.objects.count() == summary["findings"]
    assert Finding.objects.filter(veto=True).count() == summary["veto_findings"]
    assert Household.objects.filter(open_findings__gt=0).count() == summary["households_with_findings"]
    assert Household.objects.filter(veto_findings__gt=0).count() == summary["households_with_veto"]
    run = Run.objects.get()
    assert run.is_current and run.run_id == summary["run_id"] and run.snapshot_id == summary["snapshot_id"]
    assert HouseholdRunSummary.objects.filter(run=run).count() == households.height


def test_every_rule_count_matches_the_run_summary(engine_data: EngineData) -> None:
    publish_run(engine_data.first_run, engine_data.first_snapshot)
    per_rule = _summary(engine_data.first_run)["findings_per_rule"]
    assert isinstance(per_rule, dict)
    for code, count in per_rule.items():
        assert Finding.objects.filter(rule_code=code).count() == count, code


def test_linked_department_rows_are_published_with_their_values(engine_data: EngineData) -> None:
    publish_run(engine_data.first_run, engine_data.first_snapshot)
    links = pl.read_parquet(engine_data.home / "derived" / engine_data.first_snapshot.name / "links.parquet")
    linked = links.filter(pl.col("status") == "linked")
    assert DepartmentRecord.objects.count() == linked.height
    roll = _snapshot_table(engine_data.first_snapshot, "school_roll").row(0, named=True)
    record = DepartmentRecord.objects.get(feed="school_roll", source_row=roll["_row"])
    assert record.data["school_name"] == roll["school_name"]
    assert "id_number" not in record.data  # ID numbers only in the masked columns
    assert record.household is not None and record.village_code == record.household.village_code


def _record_values() -> list[tuple[object, ...]]:
    """Every department record's values (not its id), sorted."""
    names = [f.attname for f in DepartmentRecord._meta.concrete_fields if f.attname != "id"]
    return sorted(DepartmentRecord.all_objects.values_list(*names), key=repr)


def test_records_built_a_window_of_links_at_a_time_in_any_order_are_those_of_the_whole(
    engine_data: EngineData, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The records are built from a window of links at a time, each feed's rows read while its
    # links come (`Publication._department_parts`): links in no order (every feed in every
    # window, its rows read again) and small windows give the very records of one window.
    publish_run(engine_data.first_run, engine_data.first_snapshot)
    whole = _record_values()
    wipe_registry()
    links = pl.read_parquet(engine_data.home / "derived" / engine_data.first_snapshot.name / "links.parquet")
    monkeypatch.setattr(publishing, "DEPARTMENT_PART_ROWS", 500)
    assert links.height > 4 * 500 and links["feed"].n_unique() > 5

    publish_run(
        engine_data.first_run,
        engine_data.first_snapshot,
        links=links.sample(fraction=1.0, shuffle=True, seed=7),
    )

    assert _record_values() == whole and len(whole) == Run.objects.get().department_records > 0


def test_villages_of_the_snapshot_become_regions(engine_data: EngineData) -> None:
    publish_run(engine_data.first_run, engine_data.first_snapshot)
    villages = _snapshot_table(engine_data.first_snapshot, "villages")
    assert Region.objects.filter(level=Region.Level.VILLAGE).count() == villages.height
    assert Region.objects.filter(level=Region.Level.COUNTY).count() == 9


def test_village_counts_add_up_to_the_households_and_findings(engine_data: EngineData) -> None:
    publish_run(engine_data.first_run, engine_data.first_snapshot)
    run = Run.objects.get()
    household_rows = VillageHouseholdCount.objects.filter(run=run)
    assert sum(row.households for row in household_rows) == Household.objects.count()
    finding_rows = VillageFindingCount.objects.filter(run=run)
    assert sum(row.findings for row in finding_rows) == Finding.objects.count()
    assert sum(row.new for row in finding_rows) == Finding.objects.count()


def test_publishing_the_same_run_again_changes_nothing(engine_data: EngineData) -> None:
    publish_run(engine_data.first_run, engine_data.first_snapshot)
    before = (Household.objects.count(), Finding.objects.count(), AuditEvent.objects.count())
    again = publish_run(engine_data.first_run, engine_data.first_snapshot)
    assert not again.created
    assert Run.objects.count() == 1
    assert (Household.objects.count(), Finding.objects.count(), AuditEvent.objects.count()) == before


def test_a_later_run_resolves_what_vanished_and_keeps_the_office_work(engine_data: EngineData) -> None:
    publish_run(engine_data.first_run, engine_data.first_snapshot)
    first = Run.objects.get()
    fixed = Finding.objects.get(household_id=engine_data.fixed_household, rule_code="FC-002")
    officer = make_user("county", fixed.county_code)
    fixed.update_audited(officer, status=Finding.Status.FIXED, assignee=officer)

    result = publish_run(engine_data.second_run, engine_data.second_snapshot)

    comparison = _summary(engine_data.second_run)["comparison"]
    assert (result.new, result.persisting, result.resolved) == (
        comparison["new"],  # type: ignore[index]
        comparison["persisting"],  # type: ignore[index]
        comparison["resolved"],  # type: ignore[index]
    )
    second = Run.objects.get(is_current=True)
    assert second.previous == first
    fixed.refresh_from_db()
    assert fixed.engine_status == Finding.EngineStatus.RESOLVED and fixed.resolved_in_run == second
    assert fixed.status == Finding.Status.FIXED and fixed.assignee == officer  # the office's work stays
    assert fixed.first_seen_run == first and fixed.last_seen_run == first
    cold = Finding.objects.get(household_id=engine_data.cold_household, rule_code="FC-004")
    assert cold.first_seen_run == second and cold.engine_status == Finding.EngineStatus.OPEN
    persisting = Finding.objects.filter(first_seen_run=first, last_seen_run=second)
    assert persisting.count() == comparison["persisting"]  # type: ignore[index]
    assert all(f.open_since_run_id == first.pk for f in persisting)


def test_a_household_that_left_the_registry_is_soft_deleted_with_a_trace(engine_data: EngineData) -> None:
    publish_run(engine_data.first_run, engine_data.first_snapshot)
    publish_run(engine_data.second_run, engine_data.second_snapshot)
    moved = engine_data.moved_household
    assert not Household.objects.filter(household_id=moved).exists()
    gone = Household.all_objects.get(household_id=moved)
    assert gone.deleted_at is not None
    assert not Member.objects.filter(household_id=moved).exists()
    trace = AuditEvent.objects.get(object_id=moved, action=AuditEvent.Action.DELETE)
    assert trace.old["head_name"] == gone.head_name and trace.new == {} and trace.user is None
    assert abs((trace.at - gone.deleted_at).total_seconds()) < 1  # the publish's moment
    member_traces = AuditEvent.objects.filter(action=AuditEvent.Action.DELETE, content_type__model="member")
    assert member_traces.count() == Member.all_objects.filter(household_id=moved).count() > 0
    assert HouseholdRunSummary.objects.filter(household_id=moved).count() == 1  # its history stays


def test_a_finding_found_again_opens_again_for_the_engine(engine_data: EngineData) -> None:
    publish_run(engine_data.first_run, engine_data.first_snapshot)
    first = Run.objects.get()
    found_again = pl.read_parquet(engine_data.second_run / "findings.parquet").row(0, named=True)
    finding = Finding.objects.get(
        rule_code=found_again["rule_code"],
        household_id=found_again["household_id"],
        id_number=found_again["id_number"] or "",
    )
    # As if a run between the two had not found it.
    Finding.objects.filter(pk=finding.pk).update(engine_status=Finding.EngineStatus.RESOLVED)

    publish_run(engine_data.second_run, engine_data.second_snapshot)

    finding.refresh_from_db()
    second = Run.objects.get(is_current=True)
    assert finding.engine_status == Finding.EngineStatus.OPEN and finding.resolved_in_run is None
    assert finding.first_seen_run == first and finding.open_since_run == second
    assert AuditEvent.objects.filter(object_id=str(finding.pk), new__engine_status="open").exists()


def test_an_older_run_cannot_replace_a_newer_one(engine_data: EngineData) -> None:
    publish_run(engine_data.second_run, engine_data.second_snapshot)
    Run.objects.update(screened_at=Run.objects.get().screened_at.replace(year=2099))
    with pytest.raises(PublishError, match="早于"):
        publish_run(engine_data.first_run, engine_data.first_snapshot)
    assert Run.objects.count() == 1


def test_a_failure_midway_leaves_the_previous_state_intact(
    engine_data: EngineData, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_run(engine_data.first_run, engine_data.first_snapshot)
    before = {
        "households": Household.objects.count(),
        "findings": list(Finding.objects.values_list("pk", "engine_status", "last_seen_run_id")),
        "runs": list(Run.objects.values_list("pk", "is_current")),
        "summaries": HouseholdRunSummary.objects.count(),
        "audit": AuditEvent.objects.count(),
    }

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(publishing.Publication, "_publish_counts", broken)
    with pytest.raises(RuntimeError):
        publish_run(engine_data.second_run, engine_data.second_snapshot)
    after = {
        "households": Household.objects.count(),
        "findings": list(Finding.objects.values_list("pk", "engine_status", "last_seen_run_id")),
        "runs": list(Run.objects.values_list("pk", "is_current")),
        "summaries": HouseholdRunSummary.objects.count(),
        "audit": AuditEvent.objects.count(),
    }
    assert after == before
    assert Household.objects.filter(household_id=engine_data.moved_household).exists()


def test_a_run_from_another_snapshot_is_refused(engine_data: EngineData) -> None:
    with pytest.raises(PublishError, match="来自快照"):
        publish_run(engine_data.first_run, engine_data.second_snapshot)
    assert not Run.objects.exists()


def test_manage_py_publish_run_publishes_the_newest_run(
    engine_data: EngineData, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FANGFAN_HOME", str(engine_data.home))
    call_command("publish_run", "--quiet-progress")
    assert Run.objects.get(is_current=True).run_id == engine_data.second_run.name
    assert "已发布筛查批次" in capsys.readouterr().out


def test_fangfan_publish_names_a_run_and_says_what_it_did(
    engine_data: EngineData, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fangfan.cli import main

    monkeypatch.setenv("FANGFAN_HOME", str(engine_data.home))
    result = CliRunner().invoke(main, ["publish", str(engine_data.first_run)])
    assert result.exit_code == 0, result.output
    assert f"农户 {Household.objects.count():,} 户" in result.output
    again = CliRunner().invoke(main, ["publish", str(engine_data.first_run)])
    assert "发布过" in again.output


def test_while_a_run_is_prepared_the_pages_still_see_only_the_previous_one(
    engine_data: EngineData, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_run(engine_data.first_run, engine_data.first_snapshot)
    first = Run.objects.get()
    seen: dict[str, object] = {}
    switch = publishing.Publication.switch

    def look_then_switch(self: publishing.Publication) -> Run:
        # Everything the new run needs is written; nothing of it is shown yet.
        seen["current"] = Run.objects.current()
        seen["records"] = set(DepartmentRecord.objects.values_list("snapshot_id", flat=True))
        seen["all records"] = _records_written()
        seen["history"] = set(HouseholdRunSummary.objects.values_list("run_id", flat=True))
        seen["moved"] = Household.objects.filter(household_id=engine_data.moved_household).exists()
        return switch(self)

    monkeypatch.setattr(publishing.Publication, "switch", look_then_switch)
    # The department feeds did not change in the month: the first snapshot's links hold.
    links = engine_data.home / "derived" / engine_data.first_snapshot.name / "links.parquet"
    publish_run(engine_data.second_run, engine_data.second_snapshot, links=links)
    assert seen["current"] == first and seen["history"] == {first.pk} and seen["moved"]
    assert seen["records"] == {first.snapshot_id}
    assert seen["all records"] == {first.snapshot_id, engine_data.second_snapshot.name}  # written, hidden
    second = Run.objects.get(is_current=True)
    assert set(DepartmentRecord.all_objects.values_list("snapshot_id", flat=True)) == {second.snapshot_id}
    assert DepartmentRecord.objects.count() == second.department_records > 0


@contextlib.contextmanager
def another_publisher() -> Iterator[None]:
    """What a publish under way in another process holds: PostgreSQL's advisory lock on a
    connection of its own, or the lock file beside the SQLite database."""
    if connection.vendor == "postgresql":
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [publishing.PUBLISH_LOCK_KEY])
            yield
        finally:
            # Let go before closing: a closed connection's backend ends (and frees its locks)
            # a moment after the client has gone, and the next publish would race it.
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [publishing.PUBLISH_LOCK_KEY])
            other.close()
        return
    with open(publishing.publishing_lock_path(), "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def test_an_interrupted_publish_is_cleared_by_the_next_and_a_recent_one_is_waited_for(
    engine_data: EngineData, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_run(engine_data.first_run, engine_data.first_snapshot)

    def killed(self: publishing.Publication) -> None:
        raise KeyboardInterrupt  # the process stopped between prepare and switch

    monkeypatch.setattr(publishing.Publication, "switch", killed)
    monkeypatch.setattr(publishing.Publication, "discard", lambda self: None)  # nothing cleaned up
    with pytest.raises(KeyboardInterrupt):
        publish_run(engine_data.second_run, engine_data.second_snapshot)
    monkeypatch.undo()
    left = Run.objects.get(published=False)
    assert HouseholdRunSummary.all_objects.filter(run=left).exists()

    # Another run left unpublished a moment ago: while its publisher is alive (it holds the
    # lock) the next publish waits; once it is gone (killed: its lock let go), its leftovers
    # are cleared at once — no hour's wait — and the next publish goes ahead.
    Run.objects.create(
        run_id="另一个批次", snapshot_id="x", as_of=left.as_of, policy_year=left.policy_year, published=False
    )
    with another_publisher(), pytest.raises(PublishError, match="另一个发布正在进行"):
        publish_run(engine_data.second_run, engine_data.second_snapshot)
    assert Run.objects.filter(run_id="另一个批次").exists()

    result = publish_run(engine_data.second_run, engine_data.second_snapshot)
    assert result.created and Run.objects.get(is_current=True).run_id == left.run_id
    assert not Run.objects.filter(published=False).exists()
    assert not Run.objects.filter(run_id="另一个批次").exists()
    assert HouseholdRunSummary.objects.filter(run=result.run).count() == result.households


def test_a_finding_closed_while_still_flagged_reopens_as_recurring_in_the_next_run(
    engine_data: EngineData, settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    publish_run(engine_data.first_run, engine_data.first_snapshot)
    again = pl.read_parquet(engine_data.second_run / "findings.parquet").row(0, named=True)
    paper = Finding.objects.get(
        rule_code=again["rule_code"], household_id=again["household_id"], id_number=again["id_number"] or ""
    )
    # The near miss: closed, and the next run no longer flags it.
    confirmed = Finding.objects.get(household_id=engine_data.fixed_household, rule_code="FC-002")
    county = make_user("county", paper.county_code)
    for finding in (paper, confirmed):
        finding.update_audited(None, status=Finding.Status.FIXED)
        actions.verify_close(county, finding, "已入户核实", SimpleUploadedFile("核查.pdf", b"%PDF-1.4"))

    publish_run(engine_data.second_run, engine_data.second_snapshot)

    paper.refresh_from_db()
    confirmed.refresh_from_db()
    assert (paper.status, paper.recurrences, paper.engine_status) == ("open", 1, "open")
    assert (confirmed.status, confirmed.recurrences) == ("closed", 0)
    recur = paper.events.get(action=FindingEvent.Action.RECUR)
    assert recur.user is None and (recur.from_status, recur.to_status) == ("closed", "open")
    assert "仍筛出该问题" in recur.note and "第1次复发" in recur.note
    assert AuditEvent.objects.filter(object_id=str(paper.pk), new__recurrences=1).exists()

    client = Client()
    client.force_login(county)
    household = client.get(f"/households/{paper.household_id}/")
    assert "复发 1 次" in household.text and "已核销的问题复发" in household.text
    listed = client.get("/findings/", {"closeout": "recurring"})
    assert f"/findings/{paper.pk}/" in listed.text and f"/findings/{confirmed.pk}/" not in listed.text


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the records' own table is PostgreSQL's (SQLite loads in place)"
)


def _records_table(table: str = "registry_departmentrecord") -> dict[str, object]:
    """What PostgreSQL holds for a table a publish replaces whole: its indexes by name,
    whether its foreign keys (its own and other tables' to it) are validated, and the
    tables a publish works with beside it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        indexes = sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            "SELECT bool_and(convalidated) FROM pg_constraint "
            "WHERE (conrelid = %s::regclass OR confrelid = %s::regclass) AND contype = 'f'",
            [table, table],
        )
        validated = cursor.fetchone()[0]
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname IN (%s, %s)", [f"{table}_next", f"{table}_previous"]
        )
        beside = sorted(row[0] for row in cursor.fetchall())
    return {"indexes": indexes, "validated": validated, "beside": beside}


def _table_oid(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::regclass::oid", [table])
        return int(cursor.fetchone()[0])


@postgresql_only
def test_on_postgresql_the_records_table_is_replaced_whole_and_keeps_its_index_names(
    engine_data: EngineData,
) -> None:
    migrated, members = _records_table(), _records_table("registry_member")
    member_table = _table_oid("registry_member")
    publish_run(engine_data.first_run, engine_data.first_snapshot)
    first = _records_table()
    # A first publish's members are loaded the same way (their table was empty): another
    # table now, with the same indexes, and the foreign keys to it (monitoring's) moved over.
    assert _table_oid("registry_member") != member_table
    assert _records_table("registry_member") == members == {**members, "validated": True, "beside": []}
    first_ids = set(DepartmentRecord.all_objects.values_list("pk", flat=True))
    links = engine_data.home / "derived" / engine_data.first_snapshot.name / "links.parquet"

    publish_run(engine_data.second_run, engine_data.second_snapshot, links=links)

    assert len(migrated["indexes"]) == 3  # type: ignore[arg-type]  # key, household, village
    assert first == _records_table() == {"indexes": migrated["indexes"], "validated": True, "beside": []}
    second = Run.objects.get(is_current=True)
    assert (
        DepartmentRecord.all_objects.count()
        == DepartmentRecord.objects.count()
        == second.department_records
        > 0
    )
    assert min(DepartmentRecord.all_objects.values_list("pk", flat=True)) > max(first_ids)  # ids never reused
    household = DepartmentRecord.objects.exclude(household=None).first()
    assert household is not None and household.household.household_id == household.household_id


@postgresql_only
def test_on_postgresql_a_publish_stopped_after_the_swap_is_finished_by_the_next(
    engine_data: EngineData, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fangfan.web.shared.loading import ShadowTable

    indexes = _records_table()["indexes"]

    def killed(self: ShadowTable) -> None:
        raise KeyboardInterrupt  # the process stopped right after the switch

    monkeypatch.setattr(ShadowTable, "settle", killed)  # what a publish does first after its switch
    with pytest.raises(KeyboardInterrupt):
        publish_run(engine_data.first_run, engine_data.first_snapshot)
    monkeypatch.undo()
    assert Run.objects.get().is_current  # the switch was done: the run is published
    assert _records_table()["beside"] == ["registry_departmentrecord_previous"]
    assert DepartmentRecord.objects.count() == Run.objects.get().department_records > 0
    links = engine_data.home / "derived" / engine_data.first_snapshot.name / "links.parquet"

    publish_run(engine_data.second_run, engine_data.second_snapshot, links=links)

    assert _records_table() == {"indexes": indexes, "validated": True, "beside": []}
    assert DepartmentRecord.objects.count() == Run.objects.get(is_current=True).department_records > 0


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_records_are_loaded_frozen_on_a_connection_of_their_own(
    engine_data: EngineData,
) -> None:
    # Outside any transaction of the caller's (as `fangfan publish` runs), the records are
    # copied on another connection, in one transaction that empties their table first:
    # written frozen, every page all-visible, nothing left for the readers after to mark.
    assert not connection.in_atomic_block
    publish_run(engine_data.first_run, engine_data.first_snapshot)

    assert DepartmentRecord.objects.count() == Run.objects.get().department_records > 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE oid = 'registry_departmentrecord'::regclass"
        )
        pages, visible = cursor.fetchone()
    assert pages > 0 and visible == pages
    assert _records_table() == {**_records_table(), "validated": True, "beside": []}


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broken", ["_publish_counts", "department_frame", "_load_member_table"])
def test_on_postgresql_a_failure_beside_the_records_thread_leaves_nothing(
    engine_data: EngineData, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    # Outside a transaction the records load in a thread of their own while the rest is
    # prepared, and a first publish's members in another: whichever fails (the rest, the
    # records' thread or the members'), the publish fails with that error, after the threads
    # have stopped, and leaves no run and no table beside.
    def failing(*args: object, **kwargs: object) -> None:
        raise RuntimeError("磁盘已满")

    owner = publishing.frames if broken == "department_frame" else publishing.Publication
    monkeypatch.setattr(owner, broken, failing)
    with pytest.raises(RuntimeError, match="磁盘已满"):
        publish_run(engine_data.first_run, engine_data.first_snapshot)

    assert not Run.objects.exists() and not Household.objects.exists()
    assert not DepartmentRecord.all_objects.exists()
    assert _records_table()["beside"] == [] and _records_table("registry_member")["beside"] == []
    assert not [
        thread.name
        for thread in threading.enumerate()
        if thread.name.startswith(("department-records", "member-table"))
    ]
    monkeypatch.undo()
    publish_run(engine_data.first_run, engine_data.first_snapshot)  # and the next publish goes ahead
    assert DepartmentRecord.objects.count() == Run.objects.get(is_current=True).department_records > 0


def _live_rows(model: type[Household] | type[Member], left_out: tuple[str, ...]) -> list[tuple[object, ...]]:
    """The live rows' values, sorted, without the columns a publish's history sets."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in left_out]
    return sorted(model.objects.values_list(*names), key=repr)


def test_a_months_update_leaves_the_tables_as_a_first_publish_of_that_month_would(
    engine_data: EngineData,
) -> None:
    """Only new and changed rows are flagged and merged (`loading.mark_changed`): a month's
    update over rows some of which differ from the new snapshot leaves the households and
    members exactly as publishing that snapshot into an empty database does; the rows that
    did not change keep the run that last wrote them."""
    publish_run(engine_data.first_run, engine_data.first_snapshot)
    first = Run.objects.get()
    changed_members = list(Member.objects.order_by("pk").values_list("pk", flat=True)[5:9])
    Member.objects.filter(pk__in=changed_members).update(name="改动过", work_months=None, dibao=None)
    changed_household = Household.objects.exclude(household_id=engine_data.moved_household).order_by("pk")[3]
    Household.objects.filter(pk=changed_household.pk).update(head_name="改动过")

    publish_run(engine_data.second_run, engine_data.second_snapshot)
    second = Run.objects.get(is_current=True)
    member_columns = ("id", "last_run_id", "deleted_at", "deleted_by_id")
    household_columns = ("first_run_id", "last_run_id", "deleted_at", "deleted_by_id")
    updated = (_live_rows(Member, member_columns), _live_rows(Household, household_columns))
    assert "改动过" not in {row[0] for row in Member.objects.values_list("name")}
    rewritten = set(Member.objects.filter(last_run=second).values_list("pk", flat=True))
    assert rewritten == set(changed_members)  # the rest were not written again
    assert Member.objects.filter(last_run=first).count() == Member.objects.count() - len(changed_members) > 0
    households_rewritten = set(Household.objects.filter(last_run=second).values_list("pk", flat=True))
    assert changed_household.pk in households_rewritten
    assert engine_data.cold_household in households_rewritten  # its 有御寒被褥 changed
    assert len(households_rewritten) < Household.objects.count() // 10

    wipe_registry()
    publish_run(engine_data.second_run, engine_data.second_snapshot)
    fresh = (_live_rows(Member, member_columns), _live_rows(Household, household_columns))
    assert updated[0] == fresh[0] and len(fresh[0]) > 0
    assert updated[1] == fresh[1] and len(fresh[1]) > 0
