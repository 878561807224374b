"""Field work II for `make bench-web`: the city's village work teams, public-welfare jobs,
projects and industry income, filled by each app's own `synthetic.populate`.

    seed_field_work(scale=1.0)        # → one Measurement per app
    field_work_paths(region_code)     # → {"teams": [...], "jobs": [...], ...}

At scale 1.0 (docs/fieldwork.md): a team in nearly every one of the 3,200 villages with a
month and a half of check-ins, 30,000 public-welfare posts with a year of pay, 5,000
projects with their funds, progress, payments and beneficiaries, and plantings and
livestock for a good share of the households. Each app's report pages (its
`report_paths`) are then timed under load, each under the app's name; a page counts as
served only if it holds the app's `REPORT_MARKER`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import time
from types import ModuleType

from bench.measure import Measurement

APPS = ("teams", "jobs", "projects", "industry")
PAGE_NAMES = {
    "teams": "驻村工作队报表",
    "jobs": "公益性岗位报表",
    "projects": "衔接资金项目报表",
    "industry": "产业收入报表",
}


def synthetic(app: str) -> ModuleType:
    return importlib.import_module(f"fangfan.web.{app}.synthetic")


def seed_field_work(scale: float = 1.0, seed: int = 2026) -> list[Measurement]:
    """Fill every part over the published city (each replaces its previous synthetic rows)."""
    import os
    import resource

    measurements = []
    for app in APPS:
        load = os.getloadavg()[0]
        started = time.perf_counter()
        counts = synthetic(app).populate(seed=seed, scale=scale)
        seconds = time.perf_counter() - started
        described = "，".join(f"{label} {number:,}" for label, number in counts.items())
        print(f"  {PAGE_NAMES[app]}：{described}（{seconds:.1f} 秒）", flush=True)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # this process, so far
        measurements.append(Measurement(f"field work: {app} ({described})", seconds, peak_mb, 0, load=load))
    return measurements


def field_work_paths(region_code: str, today: dt.date | None = None) -> dict[str, list[str]]:
    """Each app's report pages for a county or township."""
    today = today or dt.date.today()
    return {app: list(synthetic(app).report_paths(region_code, today)) for app in APPS}


def markers() -> dict[str, str]:
    return {app: synthetic(app).REPORT_MARKER for app in APPS}
