"""Ages over 89, which Safe Harbor allows only as "90 or older": in digits ("92-year-old", "AGE: 94", "He's
97"), in words ("ninety-one years old"), as a decade or a class word ("in her late nineties",
"nonagenarian"); not thresholds in rules ("aged 90 and over"), doses, rates or distances ("WALK 90 M").
"""

from __future__ import annotations

import re

# "AGE 90 OR OLDER", "aged 90 and over": a threshold in a rule, not somebody's age.
_AGE_THRESHOLD = r"(?![ \t]*(?:\+|or[ \t]+(?:older|over|above|more)|and[ \t]+(?:older|over|above)))"
_AGE_OVER_89 = re.compile(
    r"\b(?P<age>(?:9\d|1[0-2]\d))"
    r"(?=[ \t-]*(?:-?years?[ -]old|-?year-old|yo\b|y/o|y\.o\.|yrs?\b|y\)|years? of age|M\b|F\b))"
    rf"|\b(?:age[d]?|AGE|died at|at age|age of)[ \t:]*(?P<age2>9\d|1[0-2]\d)\b{_AGE_THRESHOLD}",
    re.IGNORECASE,
)
# Ages over 89 in words: "ninety-one years old", "aged ninety-three", "she is ninety-six",
# "NINETY-TWO-YEAR-OLD".
_AGE_WORDS = (
    r"(?:ninety(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|one hundred(?:[- ](?:and[- ])?\w+)?)"
)
_NOT_AN_AGE_AFTER = (
    r"(?![ \t]*(?:%|/|\.\d|mg|kg|lb|bpm|mm|cm|ml|units?|beats|percent|degrees|minutes|min\b|seconds|days"
)
_NOT_AN_AGE_AFTER += (
    r"|weeks|months|hours|times|patients|people|cases|meters|feet|pounds|tablets|pills|f\b|c\b))"
)
_AGE_IN_WORDS = re.compile(
    rf"\b(?P<age>{_AGE_WORDS})(?=[ \t-]*(?:years?[ -]old|year-old|years? of age))"
    rf"|\b(?:aged?|is|was|now|turns?|turned|at)[ \t]+(?P<age2>{_AGE_WORDS})\b"
    rf"{_NOT_AN_AGE_AFTER}{_AGE_THRESHOLD}",
    re.IGNORECASE,
)
# Words and decades that place an age at 90 or more: "a nonagenarian", "centenarian", "in her 90s",
# "in his early nineties". Safe Harbor allows only "90 or older", and these are narrower. ("Octogenarian"
# and "in her 80s" are not.)
_AGE_CLASS = re.compile(
    # A group in a study or a policy ("nonagenarian cohorts") is nobody's age.
    r"\b(?P<age>(?:super)?centenarian|nonagenarian)\b"
    r"(?![ \t]+(?i:cohorts?|patients|populations?|groups?|studies))"
    r"|\bin[ \t]+(?:his|her|their)[ \t]+(?:(?:early|mid|late)[ \t-]*)?"
    r"(?P<age2>(?:9|1[01])0'?s|nineties)\b",
    re.IGNORECASE,
)
# "she is 97 now", "he is 94", "He's 97.", "Mrs. Carrico-Sauer was 96": a person's age after "is" needs a
# person before it.
_AGE_IS = re.compile(
    rf"\b(?:she|he|who|patient|pt|(?-i:(?:Mr|Mrs|Ms|Miss)\.?[ \t]+[A-Z][A-Za-z'-]+))"
    rf"(?:[ \t]+(?:is|was|turned)|'s|\u2019s)[ \t]+(?P<age>9\d|1[01]\d)\b"
    rf"{_NOT_AN_AGE_AFTER}"
    rf"{_AGE_THRESHOLD}",
    re.IGNORECASE,
)
# Ages over 89 written without "year": "now 92", "died at 98", "lived to 91".
_AGE_PHRASE = re.compile(
    r"\b(?i:now|at|to|turns?|turned|reached)[ \t]+(?P<age>9\d|1[01]\d)\b"
    r"(?![ \t]*(?:%|/|\.\d|mg|kg|lb|bpm|mm|cm|ml|units?|beats|percent|degrees|f\b|c\b))"
)
# A distance before "90 M" ("6-MINUTE WALK 90 M"): metres, not a 90-year-old man.
_DISTANCE_BEFORE = re.compile(r"(?i:walk|walked|distance|ambulated?|gait)[^\n]{0,12}$")


def find_ages_over_89(text: str) -> list[tuple[int, int, float]]:
    """Every age of 90 or more in ``text``, as (start, end, score): in digits, in words, as a decade or a
    class word ("nonagenarian")."""
    found = []
    for regex, score in ((_AGE_PHRASE, 0.6), (_AGE_IS, 0.6), (_AGE_IN_WORDS, 0.8), (_AGE_CLASS, 0.8)):
        for match in regex.finditer(text):
            group = "age" if match.group("age") else "age2"
            found.append((*match.span(group), score))
    for match in _AGE_OVER_89.finditer(text):
        group = "age" if match.group("age") else "age2"
        if _DISTANCE_BEFORE.search(text[max(0, match.start() - 20) : match.start()]):
            continue
        found.append((*match.span(group), 0.9))
    return found
