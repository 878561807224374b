"""`fangfan publish` has Polars' allocator hand freed memory back at once (issue 14: a city's
publish under 4 GiB); the other commands keep jemalloc's defaults. Each case in a fresh
interpreter: the setting only works when it is in place before Polars loads."""

from __future__ import annotations

import os
import subprocess
import sys

from fangfan.cli import POLARS_DEFAULTS, PROMPT_RELEASE

PROBE = """
import os, sys
from fangfan.cli import main
try:
    main([sys.argv[1], "--help"])
except SystemExit:
    pass
print("CONF", os.environ.get("_RJEM_MALLOC_CONF", ""))
"""


def _probe(command: str, **env: str) -> dict[str, str]:
    clean = {key: value for key, value in os.environ.items() if key != "_RJEM_MALLOC_CONF"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, command],
        env=clean | env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    pairs = (line.partition(" ") for line in done.stdout.splitlines())
    return {key: value for key, _, value in pairs if key == "CONF"}


def test_publish_sets_the_allocator_to_release_memory_before_polars_loads() -> None:
    seen = _probe("publish")
    assert seen["CONF"] == PROMPT_RELEASE


def test_other_commands_keep_the_allocators_defaults() -> None:
    assert _probe("run")["CONF"] == ""


def test_a_setting_the_environment_gives_is_kept() -> None:
    assert _probe("publish", _RJEM_MALLOC_CONF="dirty_decay_ms:5000")["CONF"] == "dirty_decay_ms:5000"


def test_what_polars_wrote_in_a_parent_process_is_not_taken_for_a_setting() -> None:
    # A parent that imported Polars passes its defaults on (bench_publish_pg's child did).
    assert _probe("publish", _RJEM_MALLOC_CONF=f"{POLARS_DEFAULTS},")["CONF"] == PROMPT_RELEASE
