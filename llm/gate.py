"""The de-identification gate in front of every model: what a model may be shown.

A model sees two things: texts, each of which must be a :class:`records.deid.CertifiedText` (only
``records.deid.certify`` can make one), and structured hints (fact kinds, codes, offsets) whose strings are
restricted to shapes that cannot carry a name, a date or free text. A deployment may allow identified text for
a named model (one under a BAA); that is an explicit setting, off by default, and recorded on every artifact.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from records.deid import CertifiedText

# Enumeration values ("condition", "entered-in-error"), flags ("H", "LL") and codes ("38341003", "E11.9",
# "LP6039-6", "4548-4").
_SAFE_HINT_STRING = re.compile(r"^(?:[a-z][a-z0-9_-]{0,31}|[A-Z]{1,3}|[A-Z]{0,3}[0-9][0-9A-Z.\-]{0,19})$")


class IdentifiedTextRefused(PermissionError):
    """A text bound for a model did not pass the de-identification gate."""


def model_texts(texts: Mapping[str, CertifiedText | str], *, allow_identified: bool) -> dict[str, str]:
    """The plain strings to send, after checking each passed the gate (or the route allows identified text).

    The error names the offending key, never the text.
    """
    plain: dict[str, str] = {}
    for key, value in texts.items():
        if isinstance(value, CertifiedText):
            plain[key] = value.text
        elif allow_identified and isinstance(value, str):
            plain[key] = value
        else:
            raise IdentifiedTextRefused(
                f"text {key!r} did not pass the de-identification gate, and this model may not see"
                " identified text"
            )
    return plain


def check_hints(hints: Any, path: str = "hints") -> None:
    """Refuse hints holding free text: only numbers, booleans, nulls, enumeration words and codes pass."""
    if isinstance(hints, Mapping):
        for key, value in hints.items():
            check_hints(value, f"{path}.{key}")
    elif isinstance(hints, list | tuple):
        for index, value in enumerate(hints):
            check_hints(value, f"{path}[{index}]")
    elif isinstance(hints, str):
        if not _SAFE_HINT_STRING.match(hints):
            raise IdentifiedTextRefused(f"{path} is free text; pass text through the de-identification gate")
    elif not (hints is None or isinstance(hints, bool | int | float)):
        raise IdentifiedTextRefused(f"{path} has a type a model input may not carry: {type(hints).__name__}")
