"""Rule catalogue files (TOML), one per category; read by `fangfan.engine.rules.model`."""
