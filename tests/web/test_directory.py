"""The Core Group directory: profiles, contact details by role, search, filters and the map."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.accounts.operations import create_user
from charter_engine.web.country_map import SHAPES_FILE, equal_earth, render_map, shapes
from tests.web.support import post


@pytest.fixture
def world(people: SimpleNamespace) -> SimpleNamespace:
    """Only people and their inbox: these tests count notifications and mails exactly."""
    return people


def listed(page: str) -> str:
    """The directory's result list only (the header names the signed-in person too)."""
    return page.split('class="result-count"', 1)[1].split("</main>", 1)[0]


def test_contact_details_are_shown_to_members_and_the_secretariat_only(
    world: SimpleNamespace, client_as: Any
) -> None:
    for role in ("member", "secretariat"):
        page = client_as(role).get("/people/").get_data(as_text=True)
        assert world.target.email in page
        profile = client_as(role).get(f"/people/{world.target.id}").get_data(as_text=True)
        assert world.target.email in profile
    observer = client_as("observer")
    assert world.target.email not in observer.get("/people/").get_data(as_text=True)
    profile = observer.get(f"/people/{world.target.id}").get_data(as_text=True)
    assert "Tara Target" in profile and world.target.email not in profile


def test_editing_ones_profile_shows_in_the_directory(
    world: SimpleNamespace, client_as: Any
) -> None:
    member = client_as("member")
    response = post(
        member,
        "/people/me/edit",
        {
            "name": "Mia Member",
            "organisation": "Open Lab",
            "country": "BR",
            "role_title": "Researcher",
            "areas": "Energy, open data,energy",
            "bio": "I *like* maps.",
            "phone": "+33 1 23 45",
        },
    )
    assert response.status_code == 302
    page = member.get(f"/people/{world.member.id}").get_data(as_text=True)
    assert "Brazil" in page and "Open Lab" in page and "<em>like</em>" in page
    assert page.count('class="tag"') == 2  # duplicates removed
    bad = post(member, "/people/me/edit", {"name": "", "country": "ZZ", "phone": "call me"})
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert 'aria-invalid="true"' in text


def test_profile_text_is_escaped_and_markdown_sanitised(
    world: SimpleNamespace, client_as: Any
) -> None:
    member = client_as("member")
    post(
        member,
        "/people/me/edit",
        {
            "name": "<b>Mia</b>",
            "bio": "<script>alert(1)</script> [x](javascript:alert(1))",
        },
    )
    page = client_as("other_member").get(f"/people/{world.member.id}").get_data(as_text=True)
    assert "<b>Mia</b>" not in page and "&lt;b&gt;Mia&lt;/b&gt;" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'href="javascript' not in page


def test_search_and_filters(world: SimpleNamespace, client_as: Any, session: Session) -> None:
    create_user(
        session,
        email="ana@example.org",
        name="Ana Energia",
        country="BR",
        organisation="Solar Coop",
    )
    session.commit()
    member = client_as("member")
    page = listed(member.get("/people/?q=solar").get_data(as_text=True))
    assert "Ana Energia" in page and "Mia Member" not in page
    page = listed(member.get("/people/?country=SN").get_data(as_text=True))
    assert "Omar Other" in page and "Mia Member" not in page
    page = listed(
        member.get("/people/?q=%25").get_data(as_text=True)
    )  # a literal %, not a wildcard
    assert "Nobody matches" in page


def test_area_filter_matches_profiles_with_that_area(
    world: SimpleNamespace, client_as: Any
) -> None:
    member = client_as("member")
    post(member, "/people/me/edit", {"name": "Mia Member", "areas": "Health, Water"})
    page = listed(member.get("/people/?area=water").get_data(as_text=True))
    assert "Mia Member" in page and "Omar Other" not in page
    assert '<option value="Water"' in member.get("/people/").get_data(as_text=True)


def test_map_counts_members_per_country_and_lists_them(
    world: SimpleNamespace, client_as: Any
) -> None:
    page = client_as("observer").get("/people/map").get_data(as_text=True)
    assert "<svg" in page and "France: 1 member" in page
    assert "<table" in page and "Senegal" in page
    assert "http" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    )  # nothing from outside


def test_the_map_draws_natural_earth_countries_shaded_by_members() -> None:
    drawn = shapes()
    # Every country of the 1:110m shapes but Antarctica, each with a closed outline.
    assert len(drawn) == 174 and "AQ" not in drawn
    assert all(path.startswith("M") and path.endswith("z") for path in drawn.values())
    assert {"FR", "KE", "BR", "JP", "CA", "XK"} <= set(drawn)
    svg = str(render_map({"FR": 3, "KE": 12, "SG": 1}))
    assert "land-2" in svg and "land-4" in svg
    assert 'aria-label="Kenya: 12 members"' in svg and 'aria-label="France: 3 members"' in svg
    # Singapore is too small for the 1:110m shapes: a dot marks it.
    assert 'aria-label="Singapore: 1 member"' in svg and "<circle" in svg
    # The shipped file stays small, and its licence travels with it.
    assert SHAPES_FILE.stat().st_size < 200_000
    assert "public domain" in (SHAPES_FILE.parent / "LICENSE.txt").read_text(encoding="utf-8")


def test_equal_earth_projection_keeps_its_known_extent() -> None:
    assert equal_earth(0, 0) == (0.0, 0.0)
    x, _ = equal_earth(180, 0)
    assert round(x, 4) == 2.7066  # Equal Earth's half-width at the equator
    left, north = equal_earth(-10, 60)
    assert left < 0 < north
