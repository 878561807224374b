"""Assessment readiness (考核评估模拟, issue 16): sample like the assessors, estimate the exit
measures with honest 95 % intervals, and prove the intervals by simulation.

Steps, each a module: `plan` (plans and bars as TOML) → `population` (one row per
household of a snapshot) → `sample` (a reproducible stratified two-stage draw with exact
inclusion probabilities) → `estimate` (design-weighted ratio estimates, intervals and
verdicts) ; `size` (sample-size calculator) and `simulate` (coverage by simulation) stand
beside them. docs/assessment.md gives the formulas and why.
"""
