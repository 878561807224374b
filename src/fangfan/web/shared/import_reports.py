"""An import's problems workbook, kept for the uploader alone.

An import that finds problems writes them to a workbook kept in the storage under a random
token, in a folder of the app's and the user's; the page links to it. Only the same user gets
it back by that token: another user's token, a made-up one or one never kept is a 404::

    token = keep_report("teams/import-reports", user, lambda handle: write_workbook(handle, ...))
    handle = open_report("teams/import-reports", user, token)
"""

from __future__ import annotations

import re
import secrets
import tempfile
from collections.abc import Callable
from typing import Any, BinaryIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404

from fangfan.web.accounts.models import User

TOKEN = re.compile(r"^[0-9a-f]{32}$")


def keep_report(folder: str, user: User, write: Callable[[BinaryIO], object]) -> str:
    """The token of the workbook `write` writes, kept in `folder` for `user`."""
    token = secrets.token_hex(16)
    with tempfile.TemporaryFile(suffix=".xlsx") as handle:
        write(handle)
        handle.seek(0)
        default_storage.save(_name(folder, user, token), ContentFile(handle.read()))
    return token


def open_report(folder: str, user: User, token: str) -> Any:
    """The workbook kept in `folder` for `user` under `token`, opened; 404 for anyone else's or none."""
    name = _name(folder, user, token)
    if not TOKEN.match(token) or not default_storage.exists(name):
        raise Http404("没有找到该导入报告")
    return default_storage.open(name, "rb")


def _name(folder: str, user: User, token: str) -> str:
    return f"{folder}/{user.pk}/{token}.xlsx"
