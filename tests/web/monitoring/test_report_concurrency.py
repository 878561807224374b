"""The public report form when many people send at once: every report is stored, and the
limit for one address holds exactly, whichever server process or thread counts.

Each sender is a thread with its own database connection (as a server's threads are),
so these tests commit for real (`transaction=True`). SQLite's in-memory test database
cannot serve several connections writing at once (its shared cache locks whole tables,
"database table is locked"), so on SQLite the senders work on a file copy of it, opened
with the settings' own options (WAL, busy timeout, immediate transactions) as the
server's file is; on PostgreSQL they use the test database itself.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from fangfan.web.monitoring import spam
from fangfan.web.monitoring.models import Intake
from fangfan.web.monitoring.testing import aged_token

pytestmark = pytest.mark.django_db(transaction=True)
REPORT = reverse("monitoring:report")


def report(number: int) -> dict[str, Any]:
    """Someone in 石桥村 with a phone of their own (so each report is a new lead)."""
    return {
        "name": f"申报人{number}",
        "id_number": "",
        "phone": f"138{number:08d}",
        "county": "621226",
        "township": "621226100",
        "village": "621226100201",
        "description": "家里有人生了大病，医药费花了很多",
        "token": aged_token(),
    }


@pytest.fixture
def database_for_threads(cast: dict[str, Any], tmp_path: Path) -> Iterator[None]:
    """The cast's database, where new connections (the senders' threads) can reach it."""
    if connection.vendor != "sqlite":
        yield
        return
    copy = tmp_path / "fangfan.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(copy) as target:
        connection.connection.backup(target)
    settings = connection.settings_dict  # shared with every connection made from now on
    name = settings["NAME"]
    settings["NAME"] = str(copy)
    try:
        yield
    finally:
        settings["NAME"] = name


def in_a_thread(read: Callable[[], Any]) -> Any:
    """`read` on a connection of its own (on SQLite, the senders' file)."""
    found: list[Any] = []

    def run() -> None:
        try:
            found.append(read())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    return found[0]


def stored() -> int:
    return int(in_a_thread(Intake.objects.count))


def all_at_once(senders: list[Callable[[], int]]) -> list[int]:
    """Run the senders together (released by one barrier); their status codes."""
    barrier = threading.Barrier(len(senders))
    codes: list[int] = []

    def run(send: Callable[[], int]) -> None:
        try:
            barrier.wait()
            codes.append(send())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(send,)) for send in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return codes


def sender(number: int, address: str) -> Callable[[], int]:
    data = report(number)
    return lambda: Client(REMOTE_ADDR=address).post(REPORT, data).status_code


def test_twenty_people_sending_at_once_from_different_addresses_are_all_stored(database_for_threads):
    codes = all_at_once([sender(number, f"10.1.0.{number}") for number in range(20)])
    assert sorted(codes) == [200] * 20
    assert stored() == 20


def test_ten_sends_at_once_from_one_address_store_exactly_the_limit(database_for_threads, monkeypatch):
    monkeypatch.setattr(spam, "RATE_LIMIT", 5)
    codes = all_at_once([sender(number, "10.2.0.1") for number in range(10)])
    assert sorted(codes) == [200] * 5 + [429] * 5
    assert stored() == 5


def test_sends_at_once_from_an_address_already_counted_stop_exactly_at_the_limit(
    database_for_threads, monkeypatch
):
    monkeypatch.setattr(spam, "RATE_LIMIT", 6)
    assert all_at_once([sender(99, "10.3.0.1")]) == [200]  # the address's count exists
    codes = all_at_once([sender(number, "10.3.0.1") for number in range(10)])
    assert sorted(codes) == [200] * 5 + [429] * 5
    assert stored() == 6
