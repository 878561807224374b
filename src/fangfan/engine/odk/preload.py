"""A village's households as the CSV attachment the visit form chooses from.

ODK's `select_one_from_file households.csv` offers each row (`name` is the value kept,
`label` what the list shows) and the form reads the row's other columns through
`instance('households')/root/item[name=…]/column`. Only what the visitor needs is in
it: the head's name, the head's ID number masked (first 6 and last 4 characters:
enough to confirm the person, never the birth date), the number of members in 正常
status, the members' names and relations, and the keys of the policies the household
receives (space-separated, as a select_multiple's choice filter reads them). No phone
numbers and no member ID numbers are written, whoever downloads it: the file leaves
the system on a phone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fangfan.engine.masking import mask_id

PRELOAD_FILE = "households.csv"
PRELOAD_INSTANCE = "households"
COLUMNS = ("name", "label", "head_name", "head_id", "size", "members", "received")


@dataclass(frozen=True)
class PreloadHousehold:
    household_id: str
    head_name: str
    head_id_number: str
    size: int | None
    members: Sequence[tuple[str, str]] = ()  # (name, relation)
    received: Sequence[str] = ()  # policy keys


def preload_csv(households: Iterable[PreloadHousehold]) -> str:
    """The CSV text (UTF-8, comma-separated, a header row) ODK expects for `PRELOAD_FILE`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for household in households:
        writer.writerow(
            (
                household.household_id,
                f"{household.head_name} · {household.household_id}",
                household.head_name,
                mask_id(household.head_id_number),
                household.size or "",
                "、".join(
                    f"{name}（{relation}）" if relation else name for name, relation in household.members
                ),
                " ".join(household.received),
            )
        )
    return buffer.getvalue()
