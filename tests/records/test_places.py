"""Cities named in running text without a label: known US places after a preposition of place, not everyday
or clinical words, eponyms or states."""

from __future__ import annotations

import pytest

from records.build_places import us_place_names
from records.places import find_city_mentions, us_places


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("Her last colonoscopy was 2014 in Roanoke, reportedly normal.", "Roanoke"),
        ("son Rutherford (by phone from Boise), granddaughter Tiril", "Boise"),
        ("Note: pt is 90 and lives alone in Chesapeake; son to stay", "Chesapeake"),
        ("lives in Sierra Vista with her sister", "Sierra Vista"),
        ("moved to Wilkes-Barre.", "Wilkes-Barre"),
        ("2 MI E OF CRETE, SALINE COUNTY", "CRETE"),
    ],
)
def test_known_places_after_a_preposition(text: str, city: str) -> None:
    assert [text[start:end] for start, end in find_city_mentions(text)] == [city]


@pytest.mark.parametrize(
    "text",
    [
        "Values in Normal range; in Hope of recovery; in Mobile unit 3",
        "signs of Cushing disease; Lincoln's sign negative",
        "moved to Washington last year; lives in New York",
        "referred to Dr. Smith in March",
    ],
)
def test_words_states_and_eponyms_are_not_cities(text: str) -> None:
    assert find_city_mentions(text) == []


def test_the_place_list_is_the_us_entries_of_geonames() -> None:
    cities: dict[str, dict[str, object]] = {
        "1": {"name": "Roanoke", "countrycode": "US"},
        "2": {"name": "Roanoke", "countrycode": "US"},
        "3": {"name": "Lyon", "countrycode": "FR"},
    }
    assert us_place_names(cities) == ["Roanoke"]
    assert {"roanoke", "terre haute", "wilkes-barre"} <= us_places()
