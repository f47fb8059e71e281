"""Regex fragments more than one recognizer module shares."""

from __future__ import annotations

# A common function word, never a name word nor part of a facility's name ("SEEN BY DR. OKAFOR ON 3/14",
# "ADMITTED TO LAKESHORE GENERAL"): upper-case notes would otherwise offer them.
STOPWORD = (
    r"(?i:on|at|in|and|the|for|with|to|of|from|by|was|is|has|had|who|were|will|per|via|as|re|cc|md|do)\b"
)
