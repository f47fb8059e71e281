"""The per-case ledger of model calls: tokens, cost and latency, never prompt or completion text."""

from __future__ import annotations

import threading
from collections import defaultdict

from pydantic import BaseModel


class LedgerEntry(BaseModel):
    """One gateway call (including its re-asks)."""

    case_ref: str | None
    task: str
    model: str
    prompt_id: str
    prompt_version: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    latency_ms: float
    attempts: int
    outcome: str


class LedgerTotals(BaseModel):
    """Sums over a case's calls."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0


class Ledger:
    """Thread-safe, in-memory; the pipeline persists entries with the artifacts they produced."""

    def __init__(self) -> None:
        self._entries: list[LedgerEntry] = []
        self._lock = threading.Lock()

    def record(self, entry: LedgerEntry) -> None:
        """Append one call."""
        with self._lock:
            self._entries.append(entry)

    def entries(self, case_ref: str | None = None) -> list[LedgerEntry]:
        """Calls so far, for one case or all."""
        with self._lock:
            return [entry for entry in self._entries if case_ref is None or entry.case_ref == case_ref]

    def totals_by_case(self) -> dict[str | None, LedgerTotals]:
        """Token, cost and latency sums per case."""
        totals: dict[str | None, LedgerTotals] = defaultdict(LedgerTotals)
        for entry in self.entries():
            total = totals[entry.case_ref]
            total.calls += 1
            total.prompt_tokens += entry.prompt_tokens
            total.completion_tokens += entry.completion_tokens
            total.cost_usd += entry.cost_usd
            total.latency_ms += entry.latency_ms
        return dict(totals)
