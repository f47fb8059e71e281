"""Regex fragments more than one recognizer module shares."""

from __future__ import annotations

# A common function word, never a name word nor part of a facility's name ("SEEN BY DR. OKAFOR ON 3/14",
# "ADMITTED TO LAKESHORE GENERAL"): upper-case notes would otherwise offer them.
STOPWORD = (
    r"(?i:on|at|in|and|the|for|with|to|of|from|by|was|is|has|had|who|were|will|per|via|as|re|cc|md|do)\b"
)

# Letters of names in character classes: ASCII, Latin-1 and Latin Extended-A/B ("Y\u0131lmaz", "\u0141ukasz",
# "Dvo\u0159\u00e1k"), less the multiplication and division signs. Extended letters count as capitals too:
# their case alternates by code point, and a lower-case one rarely opens a word.
UPPER_LETTERS = "A-Z\u00c0-\u00d6\u00d8-\u00de\u0100-\u024f"
LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"

# The fifty states by name, in lower case: a state alone is not an identifier under Safe Harbor.
US_STATES = frozenset(
    """alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho
    illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota
    mississippi missouri montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah
    vermont virginia washington wisconsin wyoming""".split()
) | {
    "new york",
    "new jersey",
    "new mexico",
    "new hampshire",
    "north carolina",
    "south carolina",
    "north dakota",
    "south dakota",
    "rhode island",
    "west virginia",
}
