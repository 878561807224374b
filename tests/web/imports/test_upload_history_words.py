"""An upload's change log names the tables found in its file as the office does, not by the engine's names."""

from __future__ import annotations

from fangfan.web.accounts.audit import _shown
from fangfan.web.imports.models import Upload


def test_the_tables_found_in_an_upload_are_named_in_chinese_in_its_change_log() -> None:
    assert _shown(Upload, "tables", ["disability", "school_roll"]) == "残联·残疾人证、教育·学籍信息"


def test_a_table_fangfan_no_longer_knows_keeps_its_stored_name() -> None:
    assert _shown(Upload, "tables", ["retired_feed"]) == "retired_feed"
