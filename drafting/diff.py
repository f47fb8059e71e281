"""Differences between versions of an opinion: a unified diff per section for the specialist, and the
word-level edit distance between the AI draft and the signed text for QA."""

from __future__ import annotations

import difflib
from collections.abc import Mapping


def section_diffs(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, str]:
    """A unified diff (by line) of every section whose text changed."""
    diffs = {}
    for section_id in [*before, *(key for key in after if key not in before)]:
        old, new = before.get(section_id, ""), after.get(section_id, "")
        if old != new:
            lines = difflib.unified_diff(
                old.splitlines(),
                new.splitlines(),
                f"{section_id} (before)",
                f"{section_id} (after)",
                lineterm="",
            )
            diffs[section_id] = "\n".join(lines)
    return diffs


def edit_distance(before: str, after: str) -> float:
    """The Levenshtein distance between the two texts' words, over the longer text's word count: 0 for an
    unchanged section, 1 for one rewritten entirely."""
    old, new = before.split(), after.split()
    if not old and not new:
        return 0.0
    previous = list(range(len(new) + 1))
    for i, word in enumerate(old, 1):
        current = [i]
        for j, other in enumerate(new, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other)))
        previous = current
    return round(previous[-1] / max(len(old), len(new)), 4)


def same_text(before: str, after: str) -> bool:
    """The two texts say the same words (whitespace aside)."""
    return before.split() == after.split()
