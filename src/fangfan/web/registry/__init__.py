"""The registry as the office works on it: runs published from the engine, households,
members, department records, findings and their workflow; dashboards and Excel downloads."""
