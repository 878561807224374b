"""A first publish fills empty tables inside its switch; on PostgreSQL their foreign keys are
then checked once for the whole table (`loading.keys_checked_at_once`), not a trigger per row
and key at the commit. Either way a row naming a parent that is not there is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from fangfan.web.registry.models import Run, VillageFindingCount, VillageHouseholdCount
from fangfan.web.shared import loading

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the held-back key triggers are PostgreSQL's"
    ),
]

COLUMNS = ["run_id", "village_code", "township_code", "county_code", "household_type", "households"]
ZEROS = ["people", "households_with_findings", "households_with_veto"]  # no default in the table


def _run() -> Run:
    return Run.objects.create(
        run_id="20261031T000000-keys", snapshot_id="keys", as_of=dt.date(2026, 10, 31), policy_year=2026
    )


def _stage(rows: list[tuple[object, ...]]) -> None:
    """`VillageHouseholdCount`'s stage holding `rows` (its table is empty: `merge` inserts)."""
    loading.create_stage(VillageHouseholdCount, COLUMNS + ZEROS, "WITH NO DATA")
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {loading.stage_name(VillageHouseholdCount)} ({', '.join(COLUMNS + ZEROS)}) "
            "VALUES (%s, %s, %s, %s, %s, %s, 0, 0, 0)",
            rows,
        )


def _merge() -> int:
    return loading.merge(
        VillageHouseholdCount, ["run_id", "village_code", "household_type"], [], COLUMNS + ZEROS
    )


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('session_replication_role')")
        return str(cursor.fetchone()[0])


def _pending_key_checks() -> bool:
    """Whether the transaction still holds key checks for its commit: setting them due now
    runs them (`SET CONSTRAINTS ALL IMMEDIATE`), a violation among them raising."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    except IntegrityError:
        return True
    return False


def test_the_test_database_role_may_hold_the_triggers_back() -> None:
    # CI connects as the server's superuser, so the tests below take the held-back path.
    assert loading._may_hold_triggers()


def test_rows_into_an_empty_table_are_inserted_with_their_keys_checked_at_once() -> None:
    run = _run()
    _stage([(run.pk, "621202100001", "621202100", "621202", "脱贫户", 3)])

    assert _merge() == 1
    assert VillageHouseholdCount.objects.get().run_id == run.pk
    # Back to checking every row: what the switch writes next is checked as ever.
    assert _setting() == "origin"


def test_a_row_naming_no_parent_is_refused_at_once_when_the_triggers_are_held_back() -> None:
    run = _run()
    _stage(
        [
            (run.pk, "621202100001", "621202100", "621202", "脱贫户", 3),
            (run.pk + 99, "621202100002", "621202100", "621202", "", 1),
        ]
    )

    with (
        pytest.raises(
            IntegrityError, match=r"registry_villagehouseholdcount.*run_id: \d+ is not in registry_run"
        ),
        transaction.atomic(),
    ):
        _merge()


def test_a_row_naming_no_parent_is_refused_at_the_commit_without_the_right(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A role that may not set session_replication_role: the rows go in checked by their
    # triggers, whose checks wait for the commit (or `SET CONSTRAINTS ALL IMMEDIATE`).
    monkeypatch.setattr(loading, "_may_hold_triggers", lambda: False)
    run = _run()
    _stage([(run.pk + 99, "621202100002", "621202100", "621202", "", 1)])

    with transaction.atomic():
        assert _merge() == 1
        assert _setting() == "origin"
        assert _pending_key_checks()
        VillageHouseholdCount.objects.all().delete()  # the orphan gone, its check with it


def test_inside_it_rows_queue_no_key_check_for_the_commit() -> None:
    # What saves the switch its seconds: while held back, a row written queues no check at
    # all (here into another table, which the set-wise check after does not look at; the
    # publish holds them back around its one INSERT only).
    run = _run()
    _stage([(run.pk, "621202100001", "621202100", "621202", "", 1)])
    orphan = (
        f"INSERT INTO {VillageFindingCount._meta.db_table} (run_id, village_code, township_code, "
        "county_code, category, veto, findings, new, persisting, resolved) "
        "VALUES (%s, '621202100001', '621202100', '621202', '', false, 0, 0, 0, 0)"
    )
    with transaction.atomic():
        with loading.keys_checked_at_once(VillageHouseholdCount), connection.cursor() as cursor:
            cursor.execute(orphan, [run.pk + 99])
        assert not _pending_key_checks()
        with connection.cursor() as cursor:  # the same row outside it is checked
            cursor.execute(orphan, [run.pk + 98])
        assert _pending_key_checks()
        VillageFindingCount.objects.all().delete()
