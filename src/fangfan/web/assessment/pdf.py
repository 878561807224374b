"""Workbooks printed to PDF by LibreOffice (headless `soffice`, as tests/engine/test_ledger_print.py
prints the ledgers), so the PDF is the Excel file as it comes out of the printer: the same
layout, page setup and charts, one writer for both.

Conversions run one at a time per process with the process's own LibreOffice profile (a
profile in use by another soffice makes it exit at once); the profile is reused, so only
the first conversion pays for creating it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO
from urllib.parse import quote

from django.http import FileResponse
from django.utils import timezone

from fangfan.web.procedures.base import WorkflowError

# A county's report is a few dozen pages: LibreOffice prints it in seconds.
TIMEOUT_SECONDS = 180
_LOCK = threading.Lock()


class PdfUnavailable(WorkflowError):
    """LibreOffice is missing or failed: the Excel file is still there to print."""


def _profile() -> str:
    folder = Path(tempfile.gettempdir()) / f"fangfan-soffice-{os.getpid()}"
    return folder.as_uri()


def xlsx_to_pdf(write: Callable[[IO[bytes]], object]) -> bytes:
    """The workbook `write` fills, printed to PDF."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise PdfUnavailable("服务器未安装 LibreOffice，暂时不能生成 PDF，请下载 Excel 后打印")
    with tempfile.TemporaryDirectory(prefix="fangfan-pdf-") as scratch:
        book = Path(scratch) / "book.xlsx"
        with book.open("wb") as handle:
            write(handle)
        command = [soffice, f"-env:UserInstallation={_profile()}", "--headless", "--convert-to", "pdf"]
        with _LOCK:
            try:
                subprocess.run(
                    [*command, "--outdir", scratch, str(book)],
                    check=True,
                    capture_output=True,
                    timeout=TIMEOUT_SECONDS,
                )
            except (subprocess.SubprocessError, OSError) as error:
                raise PdfUnavailable("生成 PDF 失败，请下载 Excel 后打印") from error
        printed = Path(scratch) / "book.pdf"
        if not printed.exists():
            raise PdfUnavailable("生成 PDF 失败，请下载 Excel 后打印")
        return printed.read_bytes()


def pdf_response(title: str, content: bytes) -> FileResponse:
    """A .pdf download named `<title>-<today>.pdf`."""
    handle = tempfile.TemporaryFile(suffix=".pdf")  # noqa: SIM115 (FileResponse closes it)
    handle.write(content)
    handle.seek(0)
    filename = f"{title}-{timezone.localdate():%Y%m%d}.pdf"
    response = FileResponse(handle, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
