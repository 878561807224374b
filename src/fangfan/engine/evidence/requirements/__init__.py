"""佐证资料要求: one TOML per policy year (`fangfan.engine.evidence.requirements`)."""
