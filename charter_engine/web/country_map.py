"""The members-by-country map: a world map drawn as inline SVG from Natural Earth's country shapes.

The shapes are Natural Earth's 1:110m countries (public domain), shipped unchanged as the TopoJSON
file of the world-atlas package in ``map_data/`` with its licence; nothing is fetched at run
time and no tile server is involved. The file is decoded here (TopoJSON arcs are quantised and
delta-encoded), projected with the Equal Earth projection (an equal-area projection, so no
country looks bigger than it is) and turned into one SVG path per country, once per process.

Countries are shaded by their number of members; a country with members is a link to the
directory filtered by it, with its name and count as its accessible name. Countries too small for
the 1:110m shapes (Singapore, Malta, …) are drawn as a dot at their centroid when they have
members. The page always shows the same numbers as a table too, for screen readers and for anyone
who prefers a list.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from charter_engine.accounts.countries import COUNTRIES

SHAPES_FILE = Path(__file__).parent / "map_data" / "countries-110m.json"
WIDTH = 1000  # SVG units across; coordinates are rounded to whole units

# Natural Earth's ISO 3166-1 numeric ids → the alpha-2 codes members' countries use.
_NUMERIC = """
    004AF 008AL 010AQ 012DZ 024AO 031AZ 032AR 036AU 040AT 044BS 050BD 051AM 056BE 064BT 068BO
    070BA 072BW 076BR 084BZ 090SB 096BN 100BG 104MM 108BI 112BY 116KH 120CM 124CA 140CF 144LK
    148TD 152CL 156CN 158TW 170CO 178CG 180CD 188CR 191HR 192CU 196CY 203CZ 204BJ 208DK 214DO
    218EC 222SV 226GQ 231ET 232ER 233EE 238FK 242FJ 246FI 250FR 260TF 262DJ 266GA 268GE 270GM
    275PS 276DE 288GH 300GR 304GL 320GT 324GN 328GY 332HT 340HN 348HU 352IS 356IN 360ID 364IR
    368IQ 372IE 376IL 380IT 384CI 388JM 392JP 398KZ 400JO 404KE 408KP 410KR 414KW 417KG 418LA
    422LB 426LS 428LV 430LR 434LY 440LT 442LU 450MG 454MW 458MY 466ML 478MR 484MX 496MN 498MD
    499ME 504MA 508MZ 512OM 516NA 524NP 528NL 540NC 548VU 554NZ 558NI 562NE 566NG 578NO 586PK
    591PA 598PG 600PY 604PE 608PH 616PL 620PT 624GW 626TL 630PR 634QA 642RO 643RU 646RW 682SA
    686SN 688RS 694SL 703SK 704VN 705SI 706SO 710ZA 716ZW 724ES 728SS 729SD 732EH 740SR 748SZ
    752SE 756CH 760SY 762TJ 764TH 768TG 780TT 784AE 788TN 792TR 795TM 800UG 804UA 807MK 818EG
    826GB 834TZ 840US 854BF 858UY 860UZ 862VE 887YE 894ZM
"""
NUMERIC_TO_CODE = {item[:3]: item[3:] for item in _NUMERIC.split()}
# Shapes without a numeric id in the data, by their Natural Earth name.
NAMED_TO_CODE = {"Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO"}
# Not drawn: it would take a quarter of the height and no member is there.
LEFT_OUT = {"AQ"}

# Equal Earth (Šavrič, Patterson, Jenny 2018).
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Project degrees to Equal Earth's plane (x in about ±2.71, y in about ±1.32, north up)."""
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


_X_MAX = equal_earth(180, 0)[0]
_Y_MAX = equal_earth(0, 84)[1]  # the map's top: northern Greenland
_Y_MIN = equal_earth(0, -56)[1]  # its bottom: Tierra del Fuego (Antarctica is left out)
SCALE = WIDTH / (2 * _X_MAX)
HEIGHT = round((_Y_MAX - _Y_MIN) * SCALE)


def _to_svg(lon: float, lat: float) -> tuple[int, int]:
    x, y = equal_earth(lon, lat)
    return round((x + _X_MAX) * SCALE), round((_Y_MAX - y) * SCALE)


def _decoded_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)  # consecutive arcs share an end point
    return points


def _unwrapped(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The ring with longitudes made continuous: a shape crossing the 180th meridian (Fiji,
    Chukotka) runs on past the map's edge, where the SVG clips it, instead of being joined by a
    line across the whole world."""
    out: list[tuple[float, float]] = []
    for lon, lat in ring:
        if out:
            previous = out[-1][0]
            while lon - previous > 180:
                lon -= 360
            while lon - previous < -180:
                lon += 360
        out.append((lon, lat))
    return out


def _path(rings: list[list[tuple[float, float]]]) -> str:
    """SVG path data: each ring as a move then relative lines between rounded points."""
    parts = []
    for ring in rings:
        projected = [_to_svg(lon, lat) for lon, lat in _unwrapped(ring)]
        x0, y0 = projected[0]
        steps = []
        for (ax, ay), (bx, by) in pairwise(projected):
            if (ax, ay) != (bx, by):
                steps.append(f"{bx - ax} {by - ay}")
        if len(steps) >= 2:
            parts.append(f"M{x0} {y0}l" + " ".join(steps) + "z")
    return "".join(parts)


@lru_cache(maxsize=1)
def shapes() -> dict[str, str]:
    """SVG path data per country code, for every country Natural Earth draws at 1:110m."""
    topology = json.loads(SHAPES_FILE.read_text(encoding="utf-8"))
    arcs = _decoded_arcs(topology)
    paths: dict[str, list[str]] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = NUMERIC_TO_CODE.get(geometry.get("id") or "") or NAMED_TO_CODE.get(
            geometry["properties"]["name"]
        )
        if code is None or code in LEFT_OUT:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [_ring(arcs, ring) for polygon in polygons for ring in polygon]
        paths.setdefault(code, []).append(_path(rings))
    return {code: "".join(parts) for code, parts in paths.items()}


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


def _name(code: str) -> str:
    country = COUNTRIES.get(code)
    return country.name if country is not None else code


def render_map(counts: dict[str, int], link: str = "?country={code}") -> Markup:
    """The SVG for ``counts`` (country code → people). ``link`` is formatted with the code."""
    drawn = shapes()
    parts = [
        f'<svg class="country-map" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'xmlns="http://www.w3.org/2000/svg" role="group" aria-labelledby="map-title map-desc">',
        '<title id="map-title">Members by country</title>',
        '<desc id="map-desc">A world map with each country shaded by its number of members; '
        "countries with members link to their members. The table below lists the same numbers."
        "</desc>",
        f'<rect class="map-sea" x="0" y="0" width="{WIDTH}" height="{HEIGHT}" rx="8"/>',
    ]
    # Countries without members first, so the outlines of those with members lie on top.
    order = sorted(drawn, key=lambda code: (counts.get(code, 0) > 0, code))
    for code in order:
        parts.append(_country(code, counts.get(code, 0), f'<path d="{drawn[code]}"', link))
    for code in sorted(c for c in counts if c not in drawn and c in COUNTRIES and counts[c] > 0):
        x, y = _to_svg(COUNTRIES[code].lon, COUNTRIES[code].lat)
        parts.append(_country(code, counts[code], f'<circle cx="{x}" cy="{y}" r="5"', link))
    parts.append("</svg>")
    # On a phone the map keeps a legible size and scrolls sideways inside this box (reachable
    # with the keyboard), never the page.
    # Every name, label and link in parts is escaped.
    return Markup(  # nosec B704
        '<div class="map-scroll" tabindex="0" role="region" aria-label="World map of members">'
        + "".join(parts)
        + "</div>"
    )


def _country(code: str, count: int, shape: str, link: str) -> str:
    level = shade(count)
    people = f"{count} member" + ("" if count == 1 else "s")
    label = escape(f"{_name(code)}: {people}")
    drawing = f'{shape} class="land land-{level}"/>'
    if not count:
        return f'<g aria-hidden="true">{drawing}</g>'
    href = escape(link.format(code=code))
    return f'<a href="{href}" aria-label="{label}"><title>{label}</title>{drawing}</a>'
