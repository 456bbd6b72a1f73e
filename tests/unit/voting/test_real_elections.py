"""Ranked counting reproduces the official results of real elections.

Debian, Kubernetes and the 2009 Burlington mayoral election.

Majority ratios, quorums, pairwise matrices and winners are read from the published result files,
so these tests check the count against what the election officials announced.
"""

from __future__ import annotations

import csv
import re
from fractions import Fraction
from pathlib import Path

import pytest

from charter_engine.voting.tally import count_ranked
from tests.shared_data import require_shared_data

DEBIAN_VOTES = (
    "2003-vote_0002-gr_voting",
    "2005-vote_002",
    "2006-vote_007",
    "2008-vote_003",
    "2013-vote_001",
    "2016-vote_001",
)
KUBERNETES_ELECTIONS = ("code-of-conduct-2023", "steering-2018", "steering-2022")
DEFAULT_OPTION = re.compile(r"further discussion|none of the above", re.IGNORECASE)


# ----------------------------------------------------------------------------------------------
# Debian


class DebianVote:
    """One Debian vote as published: options, ballots and the official figures."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        rows = (folder / "options.tsv").read_text(encoding="utf-8").splitlines()[1:]
        self.options = [f"Option {row.split(chr(9))[0]}" for row in rows]
        self.titles = {f"Option {p}": title for p, title in (row.split("\t") for row in rows)}
        defaults = [key for key, title in self.titles.items() if DEFAULT_OPTION.search(title)]
        assert len(defaults) == 1, defaults
        self.default = defaults[0]
        self.expected = (folder / "expected.txt").read_text(encoding="utf-8")
        official = folder / "results_official.txt"
        self.official = official.read_text(encoding="utf-8") if official.exists() else None

    def ballots(self) -> list[dict[str, int]]:
        ballots = []
        for line in (self.folder / "ballots.txt").read_text(encoding="utf-8").splitlines():
            assert len(line) == len(self.options), line
            ballots.append(
                {opt: int(ch) for opt, ch in zip(self.options, line, strict=True) if ch != "-"}
            )
        return ballots

    def winner(self) -> str:
        match = re.search(r"official_winner\(s\)[^\n]*\n\s*(Option \d+):", self.expected)
        assert match, "no official winner in expected.txt"
        return match.group(1)

    def majority(self) -> dict[str, Fraction]:
        """Ratios from devotee's majority lines, else from "[3:1]" in titles or the vote page."""
        ratios: dict[str, Fraction] = {}
        for text in (self.official or "", self.expected):
            for option, ratio in re.findall(
                r"(Option ?\d+) (?:passes Majority|because of Majority)\.[^\n]*?"
                r"(?:>=|<=|>|<)\s*(\d+(?:\.\d+)?)\s*$",
                text,
                re.MULTILINE,
            ):
                ratios.setdefault(re.sub(r"Option ?", "Option ", option), Fraction(ratio))
        page_ratio = re.search(r"required (\d+):1\s+majority", self.expected)
        for option, title in self.titles.items():
            if option == self.default or option in ratios:
                continue
            marked = re.search(r"\[(\d+):1\]", title)
            if marked:
                ratios[option] = Fraction(marked.group(1))
            elif page_ratio:
                ratios[option] = Fraction(page_ratio.group(1))
        return {option: ratio for option, ratio in ratios.items() if ratio != 1}

    def quorum(self) -> Fraction:
        for text in (self.official or "", self.expected):
            match = re.search(r"Reached quorum: \d+ > ([\d.]+)", text) or re.search(
                r"quorum\s+of\s+([\d.]+)", text
            )
            if match:
                return Fraction(match.group(1))
        raise AssertionError("no quorum in the official files")

    def official_dropped(self) -> set[str] | None:
        if self.official is None:
            return None
        return set(re.findall(r"Dropping (Option \d+) because", self.official))

    def official_pairwise(self) -> dict[tuple[str, str], int] | None:
        if self.official is None:
            return None
        matrix: dict[tuple[str, str], int] = {}
        table = self.official.split("===", 1)[1]
        for line in table.splitlines():
            match = re.match(r"Option (\d+)\s+((?:\d+\s*)+)$", line)
            if not match:
                continue
            row = f"Option {match.group(1)}"
            others = [option for option in self.options if option != row]
            values = [int(v) for v in match.group(2).split()]
            assert len(values) == len(others), line
            matrix.update(((row, other), v) for other, v in zip(others, values, strict=True))
        return matrix


@pytest.mark.parametrize("vote", DEBIAN_VOTES)
def test_debian_official_result(vote: str) -> None:
    election = DebianVote(require_shared_data("votes", "debian", vote))
    majority = election.majority()
    result = count_ranked(
        election.options,
        election.ballots(),
        default=election.default,
        majority=majority,
        quorum=election.quorum(),
    )
    assert result.winner == election.winner()
    assert result.ranking[0] == (election.winner(),)
    official_dropped = election.official_dropped()
    if official_dropped is not None:
        assert set(result.dropped) == official_dropped
    for option, reason in result.dropped.items():
        assert repr(election.default) in reason, reason
        if option in majority:
            assert f"{majority[option]}:1 majority" in reason
    official_pairwise = election.official_pairwise()
    if official_pairwise is not None:
        assert result.pairwise == official_pairwise


def test_debian_parsing_reads_the_published_rules() -> None:
    """Guards the parsers above: the 3:1 requirements and quorums really come out of the files."""
    lenny = DebianVote(require_shared_data("votes", "debian", "2008-vote_003"))
    assert lenny.majority() == {
        "Option 2": 3,
        "Option 3": 3,
        "Option 4": 3,
        "Option 6": 3,
    }
    assert float(lenny.quorum()) == pytest.approx(47.859, abs=1e-3)
    condorcet = DebianVote(require_shared_data("votes", "debian", "2003-vote_0002-gr_voting"))
    assert condorcet.majority() == {"Option 1": 3}
    assert float(condorcet.quorum()) == pytest.approx(42.53, abs=1e-2)


def test_debian_2003_counts_match_the_announcement() -> None:
    """The 2003 page announces 144 votes for the resolution and 16 against."""
    election = DebianVote(require_shared_data("votes", "debian", "2003-vote_0002-gr_voting"))
    match = re.search(
        r"(\d+) votes\s+were cast in favour.*?against the\s+resolution was (\d+)",
        election.expected,
        re.DOTALL,
    )
    assert match
    result = count_ranked(election.options, election.ballots(), default=election.default)
    assert result.pairwise["Option 1", election.default] == int(match.group(1))
    assert result.pairwise[election.default, "Option 1"] == int(match.group(2))


def test_debian_2006_majority_decides() -> None:
    """Without its 3:1 requirement option 2 would not be dropped; with it, it is."""
    election = DebianVote(require_shared_data("votes", "debian", "2006-vote_007"))
    plain = count_ranked(election.options, election.ballots(), default=election.default)
    assert "Option 2" not in plain.dropped
    strict = count_ranked(
        election.options, election.ballots(), default=election.default, majority=election.majority()
    )
    assert strict.dropped["Option 2"] == ("fails 3:1 majority against 'Option 3' (V=199:111)")


# ----------------------------------------------------------------------------------------------
# Kubernetes

# results.md of the 2023 code-of-conduct election names people, the ballots use GitHub handles,
# and no file in the folder links the two.
KUBERNETES_HANDLES = {
    "Ana Margarita Medina": "anammedina21",
    "Jeremy Rickard": "jeremyrickard",
}


def _kubernetes_ballots(folder: Path) -> tuple[list[str], list[dict[str, int]]]:
    with (folder / "ballots.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    candidates = rows[0]
    ballots = [
        {c: int(cell) for c, cell in zip(candidates, row, strict=True) if cell != "No opinion"}
        for row in rows[1:]
        if row
    ]
    return candidates, ballots


def _candidate(entry: str, candidates: list[str]) -> str:
    link = re.search(r"github\.com/([\w-]+)", entry)
    name = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", entry).strip()
    for key in (link.group(1) if link else None, name, KUBERNETES_HANDLES.get(name)):
        if key in candidates:
            return key
    raise AssertionError(f"cannot match {entry!r} to a candidate")


def _kubernetes_expected(text: str, candidates: list[str]) -> tuple[list[str], bool, list[str]]:
    """Winners, whether results.md lists them in order, and the published full ranking if any."""
    results = text.split("== official results", 1)[1]
    seats_line = re.search(r"Number of seats open: (\d+)", results)
    assert seats_line, "no number of seats in results.md"
    seats = int(seats_line.group(1))
    winners_part = results.split("## Winners", 1)[1]
    numbered = re.findall(r"^\s*\d+\.\s+(.+)$", winners_part, re.MULTILINE)
    bullets = re.findall(r"^\s*-\s+(.+)$", winners_part, re.MULTILINE)
    winners = [_candidate(entry, candidates) for entry in (numbered or bullets)[:seats]]
    assert len(winners) == seats
    ranking_entries = numbered
    if "## Results" in results:
        ranking_part = results.split("## Results", 1)[1].split("## Winners", 1)[0]
        ranking_entries = re.findall(r"^\s*\d+\.\s+(.+)$", ranking_part, re.MULTILINE)
    ranking = [_candidate(entry, candidates) for entry in ranking_entries]
    return winners, bool(numbered), ranking if len(ranking) == len(candidates) else []


@pytest.mark.parametrize("name", KUBERNETES_ELECTIONS)
def test_kubernetes_official_result(name: str) -> None:
    folder = require_shared_data("votes", "kubernetes", name)
    candidates, ballots = _kubernetes_ballots(folder)
    winners, ordered, full_ranking = _kubernetes_expected(
        (folder / "expected.txt").read_text(encoding="utf-8"), candidates
    )
    result = count_ranked(candidates, ballots, unranked="ignore")
    seats = len(winners)
    # Every seat is decided by the count itself, not by a tie-break.
    assert all(len(tier) == 1 for tier in result.ranking[:seats])
    top = [tier[0] for tier in result.ranking[:seats]]
    assert set(top) == set(winners)
    if ordered:
        assert top == winners
    if full_ranking:
        assert result.ranking == [(candidate,) for candidate in full_ranking]


def test_kubernetes_2022_needs_unranked_ignored() -> None:
    """Counting "No opinion" as ranked last would swap the published first and second places."""
    folder = require_shared_data("votes", "kubernetes", "steering-2022")
    candidates, ballots = _kubernetes_ballots(folder)
    winners, _, _ = _kubernetes_expected((folder / "expected.txt").read_text(), candidates)
    below = count_ranked(candidates, ballots, unranked="below")
    assert [tier[0] for tier in below.ranking[:2]] != winners[:2]


# ----------------------------------------------------------------------------------------------
# Burlington 2009


def _read_toi(path: Path) -> tuple[list[str], list[dict[str, int]], list[int]]:
    names: dict[str, str] = {}
    ballots: list[dict[str, int]] = []
    counts: list[int] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        header = re.match(r"# ALTERNATIVE NAME (\d+): (.+)", line)
        if header:
            names[header.group(1)] = header.group(2).strip()
            continue
        if line.startswith("#") or not line.strip():
            continue
        count, order = line.split(":", 1)
        ballot: dict[str, int] = {}
        for rank, group in enumerate(re.findall(r"\{[^}]*\}|[^,\s]+", order), start=1):
            for alternative in group.strip("{}").split(","):
                ballot[names[alternative.strip()]] = rank
        ballots.append(ballot)
        counts.append(int(count))
    return list(names.values()), ballots, counts


def _condorcet_winner(
    candidates: list[str], ballots: list[dict[str, int]], counts: list[int]
) -> str | None:
    """Straight from the definition: the candidate that more voters prefer to each rival."""
    unranked = len(candidates) + 1
    for candidate in candidates:
        beats_all = True
        for rival in candidates:
            if rival == candidate:
                continue
            ahead = behind = 0
            for ballot, count in zip(ballots, counts, strict=True):
                mine, theirs = ballot.get(candidate, unranked), ballot.get(rival, unranked)
                ahead += count * (mine < theirs)
                behind += count * (theirs < mine)
            beats_all = beats_all and ahead > behind
        if beats_all:
            return candidate
    return None


def test_burlington_2009_schulze_finds_the_condorcet_winner() -> None:
    path = require_shared_data("votes", "burlington-2009", "00005-00000002.toi")
    candidates, ballots, counts = _read_toi(path)
    assert sum(counts) == 8980
    condorcet = _condorcet_winner(candidates, ballots, counts)
    assert condorcet is not None
    weighted = count_ranked(candidates, ballots, weights=counts)
    assert weighted.winner == condorcet
    # The same election ballot by ballot, as a voting system would store it.
    expanded = [b for b, c in zip(ballots, counts, strict=True) for _ in range(c)]
    one_by_one = count_ranked(candidates, expanded)
    assert one_by_one.pairwise == weighted.pairwise
    assert one_by_one.ranking == weighted.ranking
    assert one_by_one.total_weight == weighted.total_weight == 8980
    irv_winner = re.search(r"WINNER: ([A-Za-z ]+?) \(", (path.parent / "expected.txt").read_text())
    assert irv_winner and irv_winner.group(1) != condorcet
