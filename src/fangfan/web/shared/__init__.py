"""Helpers every app uses and none owns: Excel downloads, pagination, bulk loading.

Nothing here imports an app (only Django, Polars and the engine), so any app may import it.
"""
