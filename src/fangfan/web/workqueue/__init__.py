"""The findings work queue: list, filter, assign, mark fixed or explained, verify and close."""
