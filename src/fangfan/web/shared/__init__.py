"""Helpers every app uses and none owns: Excel downloads, pagination, bulk loading.

Nothing here imports an app but accounts (the masking of personal data), so any app may import it.
"""
