"""The patient's age band and sex as a free text states them, for subgroup breakdowns of eval metrics.

The eval texts describe the patient in many shapes ("31-year-old woman", "70M.", "I'm 45", "Our daughter
is 16", "52 yo F", "aged 67", "Mrs", pronouns). Only explicit statements count, and the first description
in the text wins (a relative's age further on is not the patient's). Where the cues are absent or disagree
the answer is "not stated": a patient put in the wrong group would bias the breakdown, one left out only
makes it smaller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NOT_STATED = "not stated"
AGE_BANDS = ((0, "0-17"), (18, "18-44"), (45, "45-64"), (65, "65+"))
MAX_AGE = 110

# Words for the patient after an age ("61-year-old man"), and for a relative the writer asks about ("my
# husband is 57"); kept apart so that "a 60-year-old whose wife" never reads as female.
_FEMALE_PATIENT, _MALE_PATIENT = "woman|female|girl|lady", "man|male|boy|gentleman"
_FEMALE_RELATIVE = "daughter|wife|mother|mum|mom|sister|grandmother|grandma|gran|nan|aunt|niece"
_MALE_RELATIVE = "son|husband|father|dad|brother|grandfather|grandad|grandpa|uncle|nephew"
_FEMALE = re.compile(rf"\b(?:{_FEMALE_PATIENT}|{_FEMALE_RELATIVE})$", re.IGNORECASE)
_NEUTRAL = re.compile(r"^(?:partner|friend|child|baby)$", re.IGNORECASE)
_PATIENT = rf"{_FEMALE_PATIENT}|{_MALE_PATIENT}"
_RELATIVE = rf"{_FEMALE_RELATIVE}|{_MALE_RELATIVE}|partner|friend|child|baby|(?:baby |little )?(?:boy|girl)"
# A number followed by one of these is a duration, a dose or a size, not an age ("I'm 28 weeks pregnant").
_NOT_AN_AGE = r"(?!\s*(?:weeks?|wks?|days?|months?|mo\b|hours?|h\b|kg|g\b|cm|mm|%|lb|ft|feet|foot|st\b|-))"
_I_AM = r"\bI(?:['\u2019]m| am)"  # straight or typographic apostrophe
# An age in years, or an infant's in days, weeks or months ("5 days old").
_AGE = rf"(?P<age>\d{{1,3}})(?:[- ](?P<infant>months?|weeks?|days?)[- ]old)?{_NOT_AN_AGE}"

# Patient descriptions, each giving an age and perhaps a sex; the earliest match in the text is used.
_DESCRIPTIONS = [
    # "31-year-old woman", "an 81-year-old man", "57-year-old postmenopausal woman", "3-month-old boy"
    re.compile(
        rf"\b(?P<age>\d{{1,3}})[- ](?:years?|yrs?|(?P<infant>months?|weeks?|days?))[- ]old"
        rf"(?:,? (?:[a-z]+ )?(?P<person>{_PATIENT})\b)?",
        re.IGNORECASE,
    ),
    # "52 yo F", "52 y/o female", "52yo"
    re.compile(
        rf"\b{_AGE} ?(?:yo|y/o|y\.o\.)(?: (?P<letter>[MF])\b| (?P<person>{_PATIENT})\b)?", re.IGNORECASE
    ),
    # "70M.", "35F," (clinical shorthand; upper case and attached, so "5 m" or "54 Gy" never match)
    re.compile(r"(?<![\w.])(?P<age>\d{1,3})(?P<letter>[MF])\b"),
    # "aged 67", "age: 52"
    re.compile(rf"\b(?:aged|age:)\s*{_AGE}\b", re.IGNORECASE),
    # "I'm 45", "I am woman 44", "I'm 39, male"
    re.compile(
        rf"{_I_AM}(?: an?)?(?: (?P<person>{_PATIENT}),?)? {_AGE}\b(?:,? (?P<after>{_PATIENT})\b)?",
        re.IGNORECASE,
    ),
    # "Our daughter is 16", "Writing for my husband, 58", "my son, he's 22", "my mum (79)", "our baby girl
    # is 19 days old"
    re.compile(
        rf"\b(?:my|our) (?P<person>{_RELATIVE}),? (?:is |aged |(?:she|he)(?:['\u2019]s| is) |\()?{_AGE}\b",
        re.IGNORECASE,
    ),
]

# Weaker cues, used only for the sex and only when they all agree: third-person pronouns and titles.
_FEMALE_CUES = re.compile(r"\b(?:(?i:she|her|hers|herself|pregnan\w*)|Mrs|Ms|Miss)\b")
_MALE_CUES = re.compile(r"\b(?:(?i:he|him|his|himself)|Mr)\b")
# A writer speaking of themselves may use pronouns for relatives, not for the patient.
_FIRST_PERSON = re.compile(rf"{_I_AM}\b|\bI(?: have| had| was|['\u2019]ve)\b|\b(?i:my|our|we)\b")
# "I'm 31 and 28 weeks pregnant", but not "I'm worried: my wife is pregnant".
_PREGNANT_SELF = re.compile(
    rf"{_I_AM}\b(?:(?!\b(?:my|our|wife|partner|she|her)\b)[^.]){{0,40}}\bpregnant\b", re.IGNORECASE
)


def stated_demographics(text: str) -> tuple[str, str]:
    """The (age band, sex) the text states for its patient: an age band of ``AGE_BANDS`` and "female" or
    "male", each "not stated" when the text does not say it plainly."""
    age, sex = _first_description(text)
    if sex == NOT_STATED:
        sex = _sex_from_weak_cues(text)
    return age_band(age), sex


def age_band(age: int | None) -> str:
    """The band an age in years falls in."""
    if age is None or age > MAX_AGE:
        return NOT_STATED
    return [band for lowest, band in AGE_BANDS if age >= lowest][-1]


def demographic_groups(texts: Iterable[str]) -> dict[str, list[str]]:
    """Per text, its age band and its sex: the groupings for ``Details.by_groups``."""
    stated = [stated_demographics(text) for text in texts]
    return {"age_band": [age for age, _ in stated], "sex": [sex for _, sex in stated]}


def _first_description(text: str) -> tuple[int | None, str]:
    matches = [match for pattern in _DESCRIPTIONS if (match := pattern.search(text))]
    if not matches:
        return None, NOT_STATED
    first = min(matches, key=lambda match: match.start())
    groups = first.groupdict()
    age = 0 if groups.get("infant") else int(groups["age"])
    return age, _sex_of(groups.get("person") or groups.get("after"), groups.get("letter"))


def _sex_of(person: str | None, letter: str | None) -> str:
    if letter:
        return "female" if letter.upper() == "F" else "male"
    if person and not _NEUTRAL.search(person):
        return "female" if _FEMALE.search(person) else "male"
    return NOT_STATED


def _sex_from_weak_cues(text: str) -> str:
    """Pronouns and titles, in a text written about the patient, that all point one way."""
    if _PREGNANT_SELF.search(text):
        return "female"
    if _FIRST_PERSON.search(text):
        return NOT_STATED
    female, male = len(_FEMALE_CUES.findall(text)), len(_MALE_CUES.findall(text))
    if female and not male:
        return "female"
    if male and not female:
        return "male"
    return NOT_STATED
