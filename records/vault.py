"""The PHI vault: one case's map from real identifiers to surrogates, and back.

Surrogates are random (never derived from the value), consistent within the case (the same real name gets
the same fake name everywhere), and shaped like the original so the text still reads naturally. Every date
of the case moves by one random shift, so intervals and order survive. The vault serialises to JSON for the
store to encrypt; models only ever see surrogates, authorised readers get the text re-identified.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import secrets
import string
import uuid
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, Field

from records.dates import shift_date_text
from records.phi import PhiCategory

MIN_SHIFT_DAYS = 30
MAX_SHIFT_DAYS = 1095
# Three-digit ZIP areas with 20,000 people or fewer (HHS Safe Harbor guidance): these become "000".
RESTRICTED_ZIP3 = frozenset(
    [
        "036",
        "059",
        "063",
        "102",
        "203",
        "556",
        "692",
        "790",
        "821",
        "823",
        "830",
        "831",
        "878",
        "879",
        "884",
        "890",
        "893",
    ]
)
# Surrogates that generalise rather than replace: not unique, so not reversible from text.
GENERALISED_CATEGORIES = frozenset({PhiCategory.AGE_OVER_89, PhiCategory.ZIP})
_REFERENCE_YEAR = 2024  # for dates written without a year: any leap year keeps Feb 29 valid


class VaultEntry(BaseModel):
    """One identifier as written and its surrogate."""

    category: PhiCategory
    original: str
    surrogate: str


class PhiVault(BaseModel):
    """A case's surrogate map. Holds PHI: store it encrypted, never log it."""

    version: int = 1
    date_shift_days: int
    entries: dict[str, VaultEntry] = Field(default_factory=dict)
    name_tokens: dict[str, str] = Field(default_factory=dict)
    uids: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def new(cls, rng: random.Random | None = None) -> PhiVault:
        """An empty vault with a fresh random date shift (never zero, at least a month either way)."""
        chooser = rng or secrets.SystemRandom()
        magnitude = chooser.randint(MIN_SHIFT_DAYS, MAX_SHIFT_DAYS)
        return cls(date_shift_days=magnitude if chooser.random() < 0.5 else -magnitude)

    def surrogate(self, category: PhiCategory, original: str, rng: random.Random | None = None) -> str:
        """The case's surrogate for ``original``, created on first sight."""
        key = _entry_key(category, original)
        entry = self.entries.get(key)
        if entry is None:
            chooser = rng or secrets.SystemRandom()
            entry = VaultEntry(
                category=category, original=original, surrogate=self._make(category, original, chooser)
            )
            self.entries[key] = entry
        return _match_case(entry.surrogate, original)

    def shift_date(self, value: dt.date) -> dt.date:
        """A date moved by the case's shift."""
        return value + dt.timedelta(days=self.date_shift_days)

    def uid(self, original: str) -> str:
        """A new DICOM UID for ``original``, the same every time within the case."""
        if original not in self.uids:
            self.uids[original] = f"2.25.{uuid.uuid4().int}"
        return self.uids[original]

    def reidentify(self, text: str) -> str:
        """``text`` with every surrogate of this vault replaced by the identifier it stands for.

        Generalised values ("90+", a three-digit ZIP) stand for many originals and stay as they are.
        """
        # Keyed case-insensitively: a surrogate is written in the case of each mention it replaced.
        by_surrogate = {
            entry.surrogate.lower(): entry.original
            for entry in self.entries.values()
            if entry.category not in GENERALISED_CATEGORIES and not _is_placeholder(entry.surrogate)
        }
        if not by_surrogate:
            return text
        alternatives = "|".join(re.escape(item) for item in sorted(by_surrogate, key=len, reverse=True))
        pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        return pattern.sub(
            lambda match: _match_case(by_surrogate[match.group(0).lower()], match.group(0)), text
        )

    def to_json(self) -> bytes:
        """Serialised for encrypted storage."""
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, raw: bytes) -> PhiVault:
        """Restore a serialised vault."""
        return cls.model_validate_json(raw)

    # --- surrogate makers ---------------------------------------------------------------------------

    def _make(self, category: PhiCategory, original: str, rng: random.Random) -> str:
        maker = {
            PhiCategory.NAME: self._name,
            PhiCategory.DATE: self._date,
            PhiCategory.AGE_OVER_89: lambda _original, _rng: "90+",
            PhiCategory.ZIP: lambda value, _rng: _zip3(value),
            PhiCategory.CITY: lambda _value, chooser: chooser.choice(surrogate_pools()["cities"]),
            PhiCategory.COUNTY: lambda _value, chooser: (
                f"{chooser.choice(surrogate_pools()['counties'])} County"
            ),
            PhiCategory.FACILITY: _facility,
            PhiCategory.STREET_ADDRESS: _street,
            PhiCategory.EMAIL: _email,
            PhiCategory.URL: lambda _value, chooser: f"https://example.org/r/{chooser.randrange(10**6):06d}",
            PhiCategory.IP_ADDRESS: lambda _value, chooser: f"192.0.2.{chooser.randrange(1, 255)}",
            PhiCategory.SSN: _ssn,
        }.get(category, _same_shape)
        taken = {entry.surrogate.lower() for entry in self.entries.values() if entry.category is category}
        for _attempt in range(20):
            surrogate = _match_case(maker(original, rng), original)
            unique = category in GENERALISED_CATEGORIES or surrogate.lower() not in taken
            if surrogate.lower() != original.lower() and unique:
                return surrogate
        return f"[{category.value}]"  # pools exhausted: a placeholder is still safe

    def _name(self, original: str, rng: random.Random) -> str:
        """Each word of the name mapped on its own, so "John Smith", "SMITH, JOHN" and "Smith" agree;
        titles stay, digits (which NER sometimes takes into a name) are replaced too."""

        def replace(match: re.Match[str]) -> str:
            token = match.group(0)
            if token.lower().rstrip(".") in _TITLES:
                return token
            key = token.lower()
            if key not in self.name_tokens:
                self.name_tokens[key] = _fresh_name_token(token, set(self.name_tokens.values()), rng)
            return _match_case(self.name_tokens[key], token)

        renamed = re.sub(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*", replace, original)
        return re.sub(r"\d", lambda _digit: str(rng.randrange(10)), renamed)

    def _date(self, original: str, rng: random.Random) -> str:
        shifted = shift_date_text(original, self.date_shift_days, _REFERENCE_YEAR)
        return shifted if shifted is not None else "[DATE]"


def _is_placeholder(surrogate: str) -> bool:
    """ "[DATE]", "[CITY]": stand-ins shared by many originals, so never reversed."""
    return surrogate.startswith("[") and surrogate.endswith("]")


def _entry_key(category: PhiCategory, original: str) -> str:
    return f"{category.value}:{' '.join(original.lower().split())}"


@lru_cache(maxsize=1)
def surrogate_pools() -> dict[str, list[str]]:
    """Name, place and facility word pools for surrogates."""
    raw = resources.files("records").joinpath("data/surrogates.json").read_text()
    pools: dict[str, list[str]] = json.loads(raw)
    return pools


_TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "mx", "prof"})
_CONSONANTS, _VOWELS = "bcdfghjklmnprstvz", "aeiou"


def _fresh_name_token(token: str, used: set[str], rng: random.Random) -> str:
    """A surrogate for one name word: never the word itself, never one already given to another word.

    Pool names first; when the pool is spent (long records), invented names, whose supply is unbounded.
    """
    if len(token) == 1:
        letters = [
            letter for letter in string.ascii_uppercase if letter != token.upper() and letter not in used
        ]
        return rng.choice(letters or [letter for letter in string.ascii_uppercase if letter != token.upper()])
    pools = surrogate_pools()
    pool = pools["given_names"] if token.capitalize() in set(pools["given_names"]) else pools["surnames"]
    for _attempt in range(20):
        candidate = rng.choice(pool)
        if candidate.lower() != token.lower() and candidate not in used:
            return candidate
    while True:
        candidate = _invented_name(rng)
        if candidate not in used and candidate.lower() != token.lower():
            return candidate


def _invented_name(rng: random.Random) -> str:
    syllables = rng.randint(2, 3)
    return "".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(syllables)).capitalize()


def _same_shape(original: str, rng: random.Random) -> str:
    """Every digit replaced by a random digit and every letter by a random letter; punctuation kept."""
    out = []
    for char in original:
        if char.isdigit():
            out.append(str(rng.randrange(10)))
        elif char.isalpha():
            out.append(rng.choice(string.ascii_uppercase))
        else:
            out.append(char)
    return "".join(out)


def _ssn(original: str, rng: random.Random) -> str:
    """Same shape, area number 9xx: never issued, so the surrogate is nobody's real SSN."""
    shaped = _same_shape(original, rng)
    first_digit = next((index for index, char in enumerate(shaped) if char.isdigit()), None)
    return shaped if first_digit is None else shaped[:first_digit] + "9" + shaped[first_digit + 1 :]


def _zip3(original: str) -> str:
    digits = re.sub(r"\D", "", original)
    prefix = digits[:3]
    return "000" if prefix in RESTRICTED_ZIP3 or len(prefix) < 3 else prefix


def _facility(_original: str, rng: random.Random) -> str:
    pools = surrogate_pools()
    return f"{rng.choice(pools['facility_words'])} {rng.choice(pools['facility_types'])}"


def _street(original: str, rng: random.Random) -> str:
    pools = surrogate_pools()
    street = f"{rng.randrange(10, 9999)} {rng.choice(pools['streets'])} {rng.choice(pools['street_types'])}"
    unit = re.search(r"(?i)\b(apt|unit|suite|ste|#)\.?\s*\w+", original)
    return f"{street}, {unit.group(1)} {rng.randrange(1, 40)}" if unit else street


def _email(_original: str, rng: random.Random) -> str:
    pools = surrogate_pools()
    return f"{rng.choice(pools['given_names']).lower()}.{rng.choice(pools['surnames']).lower()}@example.org"


def _match_case(surrogate: str, original: str) -> str:
    letters = [char for char in original if char.isalpha()]
    if letters and all(char.isupper() for char in letters) and len(letters) > 1:
        return surrogate.upper()
    if letters and all(char.islower() for char in letters):
        return surrogate.lower()
    return surrogate
