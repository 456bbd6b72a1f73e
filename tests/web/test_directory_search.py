"""The directory finds people however their names are written (Unicode, any case) on SQLite and
PostgreSQL alike, filters by area of work, and lists countries by name."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy.orm import Session

from charter_engine.accounts.operations import create_user
from charter_engine.accounts.profiles import update_profile


@pytest.fixture
def world(people: SimpleNamespace) -> SimpleNamespace:
    return people


def listed(client: Any, query: str) -> str:
    page = str(client.get("/people/?" + query).get_data(as_text=True))
    return page.split('class="result-count"', 1)[1].split("</main>", 1)[0]


def test_search_folds_case_beyond_ascii(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    create_user(session, email="elise@example.org", name="Élise Lefèvre", country="CH")
    create_user(
        session, email="zoya@example.org", name="Зоя Петрова", organisation="Straße der Ideen"
    )
    session.commit()
    member = client_as("member")
    for typed, found, absent in [
        ("Élise", "Élise Lefèvre", "Зоя Петрова"),
        ("élise", "Élise Lefèvre", "Зоя Петрова"),
        ("ÉLISE lefèvre", "Élise Lefèvre", "Зоя Петрова"),
        ("Зоя", "Зоя Петрова", "Élise Lefèvre"),
        ("зоя", "Зоя Петрова", "Élise Lefèvre"),
        ("ПЕТРОВА", "Зоя Петрова", "Élise Lefèvre"),
        ("strasse", "Зоя Петрова", "Élise Lefèvre"),  # casefold: ß is ss
    ]:
        page = listed(member, "q=" + quote(typed))
        assert found in page and absent not in page, typed
    # Edited profiles are searched by their new text.
    elise = session.query(type(world.member)).filter_by(email="elise@example.org").one()
    update_profile(session, elise, actor=elise, name="Élise Lefèvre", bio="Énergie solaire")
    session.commit()
    assert "Élise Lefèvre" in listed(member, "q=" + quote("ÉNERGIE"))
    assert "Nobody matches" in listed(member, "q=" + quote("_"))  # no wildcard either


def test_area_filter_offers_and_matches_areas_in_any_script(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    for email, name, areas in [
        ("a@example.org", "Anna Area", "Économie circulaire"),
        ("b@example.org", "Boris Bare", "Économie"),
    ]:
        person = create_user(session, email=email, name=name)
        update_profile(session, person, actor=person, name=name, areas=areas)
    session.commit()
    member = client_as("member")
    page = str(member.get("/people/").get_data(as_text=True))
    assert '<option value="Économie circulaire"' in page and '<option value="Économie"' in page
    page = listed(member, "area=" + quote("économie CIRCULAIRE"))
    assert "Anna Area" in page and "Boris Bare" not in page
    # A whole area, not part of one.
    page = listed(member, "area=" + quote("Économie"))
    assert "Boris Bare" in page and "Anna Area" not in page


def test_countries_are_listed_by_name(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    for n, code in enumerate(["CH", "ES", "CA"]):
        create_user(session, email=f"c{n}@example.org", name=f"Person {n}", country=code)
    session.commit()
    member = client_as("member")
    page = str(member.get("/people/").get_data(as_text=True))
    select = page.split('id="country"', 1)[1].split("</select>", 1)[0]
    names = re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]+)</option>', select)
    assert names == sorted(names) and {"Canada", "Spain", "Switzerland"} <= set(names)
    table = str(member.get("/people/map").get_data(as_text=True)).split("<table", 1)[1]
    rows = re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]+)', table)
    one_each = [name for name in rows if name in ("Canada", "Spain", "Switzerland")]
    assert one_each == ["Canada", "Spain", "Switzerland"]
