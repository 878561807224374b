"""佐证资料 (evidence): which proof each policy or finding needs, per policy year.

The requirements are data (`requirements/<year>.toml`); `needs.py` reads them and works
out, from what a household receives and its open findings, the proofs it must hold.
The web application (`fangfan.web.evidence`) stores the files and counts what is missing.
"""
