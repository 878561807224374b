"""A script hidden in a PDF's object stream behind any filter a reader decodes is found.

石桥村's team uploads 王秀英's 鉴定报告 as a PDF. A PDF's objects may sit compressed in an
object stream, behind a chain of filters (ASCIIHex, ASCII85, Flate) and a PNG predictor that
splits every name across rows; a reader decodes all of them, so the check does too. An
object stream it cannot decode (LZW) or an encrypted one cannot be checked and is refused;
an ordinary PDF still goes through.
"""

from __future__ import annotations

import base64
import binascii
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangfan.web.evidence.models import EvidenceItem

from .test_evidence import APPRAISAL, _client, _pdf_with
from .test_evidence import cast as cast  # the fixture

pytestmark = pytest.mark.django_db
SCRIPT = b"2 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj"


def _png_rows(data: bytes, columns: int) -> bytes:
    """`data` as PNG predictor rows of `columns` bytes, each row of type 2 (Up): every byte
    written as its difference from the one above, so no name survives in the bytes."""
    rows, prior = [], bytes(columns)
    for start in range(0, len(data), columns):
        row = data[start : start + columns].ljust(columns, b" ")
        rows.append(b"\x02" + bytes((byte - above) & 0xFF for byte, above in zip(row, prior, strict=True)))
        prior = row
    return b"".join(rows)


def _object_stream(filters: bytes, content: bytes, extra: bytes = b"") -> bytes:
    return (
        b"1 0 obj << /Type /ObjStm /N 1 /First 4 "
        + filters
        + extra
        + b" >>\nstream\n"
        + content
        + b"\nendstream endobj"
    )


HIDDEN = {
    "ASCIIHex": _object_stream(b"/Filter /ASCIIHexDecode", binascii.hexlify(SCRIPT) + b">"),
    "ASCII85 then Flate": _object_stream(
        b"/Filter [/ASCII85Decode /FlateDecode]", base64.a85encode(zlib.compress(SCRIPT)) + b"~>"
    ),
    "AHx then Fl (short names)": _object_stream(
        b"/Filter [/AHx /Fl]", binascii.hexlify(zlib.compress(SCRIPT))
    ),
    "Flate with a PNG predictor": _object_stream(
        b"/Filter /FlateDecode",
        zlib.compress(_png_rows(SCRIPT, 5)),
        b" /DecodeParms << /Predictor 12 /Columns 5 >>",
    ),
}


@pytest.mark.parametrize("hidden", HIDDEN, ids=list(HIDDEN))
def test_a_script_in_an_object_stream_behind_any_chain_of_filters_is_refused(cast, hidden):
    response = _post(cast, _pdf_with(HIDDEN[hidden]))

    assert response.status_code == 400 and "含有脚本（JavaScript）" in response.content.decode()
    assert EvidenceItem.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (
            _object_stream(b"/Filter /LZWDecode", b"\x80\x0b\x60\x50\x22\x0c\x0c\x85\x01"),
            "无法检查的压缩方式（LZWDecode）",
        ),
        (
            _object_stream(b"/Filter /FlateDecode", zlib.compress(b"\x13\x37" * 40))
            + b"\ntrailer << /Encrypt 9 0 R >>",
            "已加密",
        ),
    ],
    ids=["LZW", "encrypted"],
)
def test_an_object_stream_that_cannot_be_checked_is_refused_in_chinese(cast, body, said):
    response = _post(cast, _pdf_with(body))

    assert response.status_code == 400 and said in response.content.decode()
    assert "鉴定报告.pdf" in response.content.decode() and EvidenceItem.objects.count() == 0


def test_a_pdf_printed_by_libreoffice_still_goes_through(cast, tmp_path: Path):
    source = tmp_path / "鉴定报告.csv"
    source.write_text("农村危房改造竣工验收鉴定报告\n户主,房屋等级\n王秀英,A级\n", encoding="utf-8")
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    response = _post(cast, (tmp_path / "鉴定报告.pdf").read_bytes())

    assert response.status_code == 302 and EvidenceItem.objects.count() == 1


def _post(people: dict[str, Any], content: bytes) -> Any:
    data = {"need": APPRAISAL, "document": SimpleUploadedFile("鉴定报告.pdf", content, "application/pdf")}
    return _client(people["village"]).post(
        f"/evidence/households/{people['wang'].household_id}/upload/", data
    )
