"""The members-by-country map, drawn here as an SVG grid cartogram (no tile server, no outside
file).

Each country is a square placed near its approximate centroid on a coarse longitude/latitude grid;
crowded regions push small countries to the nearest free square. Empty grid rows and columns are
dropped so the map stays compact. Squares are shaded by the number of members, labelled with the
ISO code, and link to the directory filtered by that country. The page always shows the same
numbers as a table too, for screen readers and for anyone who prefers a list.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

from charter_engine.accounts.countries import COUNTRIES, Country

LON_STEP = 7.5
LAT_STEP = 5.0
TILE = 26
GAP = 2
# Placed last, so that they give way to their bigger neighbours.
SMALL = {
    "VA",
    "SM",
    "MC",
    "LI",
    "AD",
    "MT",
    "LU",
    "HK",
    "MO",
    "SG",
    "BH",
    "PS",
    "XK",
    "ME",
    "KN",
    "LC",
    "VC",
    "GD",
    "DM",
    "AG",
    "BB",
    "TT",
    "ST",
    "KM",
    "CV",
    "MV",
    "BN",
    "TL",
    "SI",
    "MK",
    "BA",
    "AL",
    "MD",
    "LB",
    "IL",
    "QA",
    "KW",
    "CY",
    "DJ",
    "GM",
    "GW",
    "SZ",
    "LS",
    "BI",
    "RW",
    "BE",
    "NL",
    "DK",
    "CH",
    "AT",
    "CZ",
    "SK",
    "HR",
    "RS",
    "EE",
    "LV",
    "AM",
    "AZ",
    "GE",
    "JO",
    "AE",
    "TG",
    "BJ",
    "GQ",
    "SV",
    "BZ",
    "JM",
    "HT",
    "DO",
    "PR",
    "BS",
    "KP",
    "KR",
    "TW",
    "BT",
    "NP",
    "LK",
    "PA",
    "CR",
    "NI",
    "HN",
    "GT",
}


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    col: int
    row: int


def _cell(country: Country) -> tuple[int, int]:
    return round((country.lon + 180) / LON_STEP), round((80 - country.lat) / LAT_STEP)


def _nearest_free(col: int, row: int, taken: set[tuple[int, int]]) -> tuple[int, int]:
    if (col, row) not in taken:
        return col, row
    for radius in range(1, 40):  # rings of growing size around the wanted cell
        ring = [
            (col + dc, row + dr)
            for dc in range(-radius, radius + 1)
            for dr in range(-radius, radius + 1)
            if max(abs(dc), abs(dr)) == radius
        ]
        # Prefer horizontal neighbours (keeps latitude bands), then the closest by distance.
        ring.sort(key=lambda cell: ((cell[1] - row) ** 2 * 1.3 + (cell[0] - col) ** 2, cell))
        for cell in ring:
            if cell not in taken and cell[1] >= 0:
                return cell
    raise RuntimeError("no free cell")  # pragma: no cover


@lru_cache(maxsize=1)
def layout() -> tuple[Tile, ...]:
    """Grid positions for every known country, deterministic and compacted."""
    order = sorted(COUNTRIES.values(), key=lambda c: (c.code in SMALL, -abs(c.lat), c.code))
    taken: set[tuple[int, int]] = set()
    placed: dict[str, tuple[int, int]] = {}
    for country in order:
        cell = _nearest_free(*_cell(country), taken)
        taken.add(cell)
        placed[country.code] = cell
    cols = sorted({c for c, _ in placed.values()})
    rows = sorted({r for _, r in placed.values()})
    col_index = {c: i for i, c in enumerate(cols)}
    row_index = {r: i for i, r in enumerate(rows)}
    return tuple(
        Tile(code, COUNTRIES[code].name, col_index[c], row_index[r])
        for code, (c, r) in sorted(placed.items())
    )


def shade(count: int) -> int:
    """Shade class 0..4 for a member count."""
    if count <= 0:
        return 0
    if count <= 2:
        return 1
    if count <= 5:
        return 2
    if count <= 10:
        return 3
    return 4


LEGEND = [(0, "none"), (1, "1–2"), (2, "3–5"), (3, "6–10"), (4, "more than 10")]


def render_map(counts: dict[str, int], link: str = "?country={code}") -> Markup:
    """The SVG for ``counts`` (country code → people). ``link`` is formatted with the code."""
    tiles = layout()
    width = (max(t.col for t in tiles) + 1) * (TILE + GAP)
    height = (max(t.row for t in tiles) + 1) * (TILE + GAP)
    parts = [
        f'<svg class="country-map" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" role="group" aria-labelledby="map-title map-desc">',
        '<title id="map-title">Members by country</title>',
        '<desc id="map-desc">Each square is a country, placed roughly where it lies on a world '
        "map and shaded by its number of members. The table below lists the same numbers.</desc>",
    ]
    for tile in tiles:
        count = counts.get(tile.code, 0)
        x, y = tile.col * (TILE + GAP), tile.row * (TILE + GAP)
        level = shade(count)
        people = f"{count} member" + ("" if count == 1 else "s")
        square = (
            f'<rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" rx="3" '
            f'class="tile tile-{level}"/>'
            f'<text x="{x + TILE / 2}" y="{y + TILE / 2 + 4}" text-anchor="middle" '
            f'class="tile-label tile-label-{level}" aria-hidden="true">{tile.code}</text>'
        )
        label = escape(f"{tile.name}: {people}")
        if count:
            href = escape(link.format(code=tile.code))
            parts.append(
                f'<a href="{href}" aria-label="{label}"><title>{label}</title>{square}</a>'
            )
        else:
            parts.append(f'<g aria-hidden="true"><title>{label}</title>{square}</g>')
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704  # every name, label and link above is escaped
