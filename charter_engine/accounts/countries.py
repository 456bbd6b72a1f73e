"""Countries: ISO 3166-1 alpha-2 codes, English short names and approximate centroids.

The centroids (whole degrees, latitude then longitude) place each country on the directory's map;
they are approximate on purpose: the map is a grid cartogram, not a survey. The table is the data
file ``countries.tsv`` beside this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple


class Country(NamedTuple):
    code: str
    name: str
    lat: float
    lon: float


# One line per country after the header: code, name, latitude, longitude, separated by tabs.
DATA_FILE = Path(__file__).with_name("countries.tsv")


def _read_countries(path: Path) -> dict[str, Country]:
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    countries = {}
    for line in lines:
        code, name, lat, lon = line.split("\t")
        countries[code] = Country(code, name, float(lat), float(lon))
    return countries


COUNTRIES: dict[str, Country] = _read_countries(DATA_FILE)


def country_name(code: str | None) -> str:
    """The English short name for an ISO code; unknown codes are shown as given."""
    if not code:
        return ""
    country = COUNTRIES.get(code.upper())
    return country.name if country else code.upper()


def country_choices() -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name, for select boxes."""
    return sorted(((c.code, c.name) for c in COUNTRIES.values()), key=lambda pair: pair[1])
