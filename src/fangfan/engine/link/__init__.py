"""Record linkage: every department-feed row to a registry person, household or village.

    result = link_snapshot(snapshot)
    result.links     # one row per feed row: method, probability, status, candidates
    result.report    # counts per feed and county
    resolved_feed(snapshot, result.links, "school_roll")  # feed rows with person_id_number

Exact on the normalised ID first, then Splink (imported lazily) for the rest.
See docs/linkage.md.
"""

from __future__ import annotations

from fangfan.engine.link.report import linkage_report, write_report_excel
from fangfan.engine.link.resolved import linked_person_key, resolved_feed
from fangfan.engine.link.run import LinkResult, link_snapshot

__all__ = [
    "LinkResult",
    "link_snapshot",
    "linkage_report",
    "linked_person_key",
    "resolved_feed",
    "write_report_excel",
]
