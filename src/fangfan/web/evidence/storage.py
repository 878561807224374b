"""Keep a checked file once, by its SHA-256, under MEDIA_ROOT (`evidence/ab/<sha256>.jpg`).

The file is written to a temporary name beside its place and renamed into it, so a reader
never sees half a file; the same content arriving again finds its file already there.
A file written for a record whose transaction then fails stays, unreferenced and
harmless (the next upload of the same bytes uses it).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.core.files.storage import default_storage

from fangfan.web.evidence.files import Checked
from fangfan.web.evidence.models import StoredFile


def stored_name(digest: str, extension: str) -> str:
    return f"evidence/{digest[:2]}/{digest}{extension}"


def keep(checked: Checked) -> StoredFile:
    """The StoredFile of these bytes: written (if new) and recorded (if new)."""
    digest = hashlib.sha256(checked.content).hexdigest()
    name = stored_name(digest, checked.extension)
    _write_once(Path(default_storage.path(name)), checked.content)
    stored, _ = StoredFile.objects.get_or_create(
        sha256=digest,
        defaults={
            "stored_name": name,
            "content_type": checked.content_type,
            "size": len(checked.content),
            "width": checked.width,
            "height": checked.height,
        },
    )
    return stored


def _write_once(path: Path, content: bytes) -> None:
    if path.exists() and path.stat().st_size == len(content):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as output:
            output.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def open_stored(stored: StoredFile) -> object:
    """The kept file, open for reading (for a FileResponse or a zip)."""
    return default_storage.open(stored.stored_name, "rb")
