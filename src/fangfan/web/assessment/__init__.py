"""考核评估模拟 (issue 16): rounds drawn like the assessors', visit lists, results, estimates,
readiness reports. The statistics are the engine's (`fangfan.engine.assessment`)."""
