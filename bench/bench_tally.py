"""Benchmark of ranked counting: count_ranked against a naive pure-Python count, same ballots.

Run from the project root: ``.venv/bin/python bench/bench_tally.py [--ballots N] [--options K]``.
Ballots are random partial rankings with ties (fixed seed). Each figure is the median of several
runs; both unranked modes are measured, and the naive count must agree with count_ranked.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from functools import partial
from itertools import permutations
from typing import TypeVar

from charter_engine.voting.tally import count_ranked

T = TypeVar("T")


def random_ballots(count: int, options: list[str], seed: int) -> list[dict[str, int]]:
    rng = random.Random(seed)
    ballots = []
    for _ in range(count):
        ranked = rng.sample(options, rng.randint(1, len(options)))
        ballots.append({option: rng.randint(1, len(ranked)) for option in ranked})
    return ballots


def naive_count(
    options: list[str], ballots: list[dict[str, int]], unranked: str
) -> tuple[dict[tuple[str, str], int], list[str]]:
    """The textbook loops: every ordered pair of every ballot, then Floyd–Warshall."""
    votes = {pair: 0 for pair in permutations(options, 2)}
    for ballot in ballots:
        for a, b in permutations(options, 2):
            rank_a, rank_b = ballot.get(a), ballot.get(b)
            if rank_a is None:
                continue
            if rank_b is None:
                if unranked == "below":
                    votes[a, b] += 1
            elif rank_a < rank_b:
                votes[a, b] += 1
    paths = {
        (a, b): (votes[a, b], -votes[b, a]) if votes[a, b] > votes[b, a] else (0, 0)
        for a, b in permutations(options, 2)
    }
    for k in options:
        for i in options:
            for j in options:
                if len({i, j, k}) == 3:
                    paths[i, j] = max(paths[i, j], min(paths[i, k], paths[k, j]))
    winners = [a for a in options if all(paths[a, b] >= paths[b, a] for b in options if b != a)]
    return votes, winners


def median_seconds(run: Callable[[], T], repeat: int) -> tuple[float, T]:
    """The median time of ``repeat`` runs (at least one), and what the last run returned."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ballots", type=int, default=10_000)
    parser.add_argument("--options", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--naive-repeat", type=int, default=3)
    args = parser.parse_args()

    options = [f"option-{k}" for k in range(args.options)]
    ballots = random_ballots(args.ballots, options, seed=2024)
    print(f"{args.ballots} random ballots x {args.options} options (ties and unranked options)")
    print(f"{'unranked':<8} {'count_ranked':>14} {'naive loops':>14} {'speed-up':>9}")
    for mode in ("below", "ignore"):
        fast, result = median_seconds(
            partial(count_ranked, options, ballots, unranked=mode), args.repeat
        )
        slow, (votes, winners) = median_seconds(
            partial(naive_count, options, ballots, mode), args.naive_repeat
        )
        assert result.pairwise == votes, "naive and fast pairwise counts differ"
        assert list(result.potential_winners) == winners
        print(f"{mode:<8} {fast * 1000:>11.1f} ms {slow * 1000:>11.1f} ms {slow / fast:>8.1f}x")
    print(
        f"(median of {args.repeat} runs for count_ranked, {args.naive_repeat} for the naive count)"
    )


if __name__ == "__main__":
    main()
