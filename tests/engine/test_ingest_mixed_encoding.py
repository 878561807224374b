"""A CSV whose rows were pasted from a file in another encoding (review): refused naming the file and line.

An office merges exports in Notepad or WPS: a GBK 户信息.csv gets a row from a UTF-8 file, or a
UTF-8 one a row from a GBK file. Neither encoding reads the whole file, so it is refused (never
read as mojibake), and `fangfan import` says which file, which encoding the file is in and on
which line the other begins — before, it said only that there was no 户信息 at all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from fangfan.cli import main
from fangfan.engine.ingest.read import UnreadableFile, decode


@pytest.fixture
def exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from fangfan.engine.synth import generate_dataset

    monkeypatch.setenv("FANGFAN_HOME", str(tmp_path / "home"))
    generate_dataset(tmp_path / "exports", 8, 3, as_of=dt.date(2026, 10, 31))
    return tmp_path / "exports"


@pytest.mark.parametrize(("file_encoding", "pasted"), [("utf-8", "gbk"), ("gbk", "utf-8")])
def test_a_households_file_mixing_encodings_is_refused_naming_the_file_and_line(
    exports: Path, file_encoding: str, pasted: str
) -> None:
    path = exports / "户信息.csv"
    lines = path.read_text("utf-8").split("\n")
    path.write_bytes(
        b"\n".join(
            line.encode(pasted if number == 5 else file_encoding) for number, line in enumerate(lines, 1)
        )
    )

    result = CliRunner().invoke(main, ["import", str(exports)])

    assert result.exit_code == 1
    said = " ".join(result.output.split()).replace(" ", "")
    name = "UTF-8" if file_encoding == "utf-8" else "GBK（GB18030）"
    assert f"户信息.csv：文件编码不一致：前面的文字是{name}编码，第5行起混有其他编码的文字" in said
    assert not list((exports.parent / "home").glob("snapshots/*/households.parquet"))


def test_a_file_in_neither_encoding_keeps_the_plain_refusal() -> None:
    with pytest.raises(UnreadableFile, match=r"^文件编码无法识别（应为 UTF-8、UTF-16 或 GB18030）$"):
        decode("户编号,户主姓名\n".encode("utf-32"))


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_file_in_one_encoding_is_read_as_before(encoding: str) -> None:
    text = "户编号,户主姓名\n6212021212000001,丁彩桂\n"
    assert decode(text.encode(encoding)) == text
