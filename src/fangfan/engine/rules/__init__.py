"""The household sieve's rules: a catalogue of data, checked, compiled to SQL.

>>> from fangfan.engine.rules import load_catalogue
>>> len(load_catalogue(2025)) > 30
True
"""

from __future__ import annotations

from fangfan.engine.rules.model import (
    Catalogue,
    Rule,
    RuleError,
    build_catalogue,
    load_catalogue,
    parse_rules,
)

__all__ = ["Catalogue", "Rule", "RuleError", "build_catalogue", "load_catalogue", "parse_rules"]
