"""US states, DC and territories: where a specialist can be licensed and a patient can reside."""

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

US_STATE_CODES = frozenset(
    {
        *(
            "AL",
            "AK",
            "AZ",
            "AR",
            "CA",
            "CO",
            "CT",
            "DE",
            "FL",
            "GA",
            "HI",
            "ID",
            "IL",
            "IN",
            "IA",
            "KS",
            "KY",
        ),
        *(
            "LA",
            "ME",
            "MD",
            "MA",
            "MI",
            "MN",
            "MS",
            "MO",
            "MT",
            "NE",
            "NV",
            "NH",
            "NJ",
            "NM",
            "NY",
            "NC",
            "ND",
        ),
        *("OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY"),
        *("DC", "PR", "GU", "VI", "AS", "MP"),
    }
)


def _known_state(value: str) -> str:
    if value not in US_STATE_CODES:
        raise ValueError("not a US state or territory code")
    return value


StateCode = Annotated[
    str, StringConstraints(to_upper=True, pattern=r"^[A-Za-z]{2}$"), AfterValidator(_known_state)
]
"""A two-letter US state or territory code, upper-cased."""
