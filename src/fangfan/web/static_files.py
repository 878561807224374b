"""Static files under any WSGI server: whitenoise, quiet when `collectstatic` has not been run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):  # type: ignore[misc]  # whitenoise has no type hints
    """Whitenoise, serving from the apps (WHITENOISE_USE_FINDERS) and from STATIC_ROOT if it exists.

    Plain whitenoise warns on every start when STATIC_ROOT is missing; here the collected
    folder is optional, since the files are found where they live.
    """

    def add_files(self, root: str, prefix: Any = None) -> None:
        if Path(root).is_dir():
            super().add_files(root, prefix)
