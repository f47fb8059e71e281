"""Eval runs for QA: list them, read their metrics, open their reports."""
