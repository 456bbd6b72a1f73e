"""Hypothesis strategies for texts that collide often: few words, spaces, punctuation, lines."""

from __future__ import annotations

from hypothesis import strategies as st

VOCABULARY = [
    "the",
    "council",
    "vote",
    "members",
    "shall",
    "a",
    "b",
    " ",
    " ",
    "  ",
    "\n",
    "\n\n",
    ".",
    ",",
    ". ",
    "\r\n",
    "é",
    "中",
]

# Sentences and fragments that test where sentences end (abbreviations, numbers, list markers,
# closing marks, a script without spaces).
SENTENCES = [
    "The council has five members.",
    "It meets monthly.",
    "Minutes, e.g. the votes, are public.",
    "No. 5 stands.",
    "1. Mission",
    "(Quorum is half.)",
    "“Members vote.”",
    "会议每月举行。",
    "Is it final?",
    "the end",
]

small_texts = st.lists(st.sampled_from(VOCABULARY), max_size=25).map("".join)

LINES = ["alpha beta.", "gamma", "delta epsilon. Zeta eta.", "", "the end", "x y z"]

line_texts = st.lists(st.sampled_from(LINES), max_size=10).map(
    lambda lines: "".join(line + "\n" for line in lines)
)

any_texts = st.one_of(small_texts, line_texts, st.text(max_size=60))
