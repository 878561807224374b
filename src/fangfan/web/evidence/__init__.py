"""佐证资料 (evidence): proof files on the household page, and what is still missing.

Requirements come from the engine (`fangfan.engine.evidence`); files are checked by
their content and re-encoded (`files.py`), kept once by their SHA-256 (`storage.py`),
filed against a household's need by the verbs (`actions.py`) and served only through
the gated view. docs/evidence.md.
"""
