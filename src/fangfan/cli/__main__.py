from __future__ import annotations

from fangfan.cli import main

main()
