"""The rules of a ballot as plain values: parsing and checking them, weights, quorum, schedules.

Nothing here touches the database. Operations parse what a person typed into a :class:`Rules`
value, store it on the ballot, and ask this module the questions that do not need a query: may these
rules still change, what weight does each voter get, how many votes make a quorum, is the ballot due
to open or close, is this a well-formed vote.

Weights are exact fractions. With ``weighting="member"`` every voter weighs 1. With
``weighting="organisation"`` each organisation on the roll weighs 1 in total, split equally among
its eligible members (an organisation of three gives each member 1/3); a voter without an
organisation counts as an organisation of one. Weights are stored as a numerator and a denominator
per roll entry, so totals stay exact on every backend.

Quorum is measured in votes of the same unit as the tally (weights). ``("share", p/q)`` is that
share of the roll's total weight; ``("votes", n)`` is an absolute number. For yes/no ballots it is
the weight of votes cast, abstentions included (``count_simple``). For ranked ballots it follows the
Debian constitution: an option is dropped unless ``V(option, keep) >= quorum``, i.e. enough votes
rank it above keeping the current text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction
from typing import Any, Final

from charter_engine import limits
from charter_engine.errors import InvalidTransition, ValidationError
from charter_engine.ids import MAX_ID, is_id

KINDS: Final = ("amendment", "ranked", "adoption")
STATES: Final = ("draft", "open", "closed")
THRESHOLDS: Final = ("simple", "two_thirds", "three_quarters", "consensus")
SECRECY: Final = ("named", "secret")
WEIGHTING: Final = ("member", "organisation")
UNRANKED: Final = ("below", "ignore")
QUORUM_KINDS: Final = ("share", "votes")
CHOICES: Final = ("yes", "no", "abstain")
ELIGIBLE_ROLES: Final = frozenset({"member", "secretariat"})
ROLLS: Final = ("members", "members_and_secretariat", "chosen")
ROLL_ROLES: Final = {
    "members": frozenset({"member"}),
    "members_and_secretariat": ELIGIBLE_ROLES,
    "chosen": ELIGIBLE_ROLES,
}
MAX_CHOSEN: Final = 100_000

DEFAULT_OPTION: Final = "keep"
DEFAULT_LABEL: Final = "Keep the current text"
MAX_OPTIONS: Final = 50
MAX_RATIO: Final = 1000
MAX_TITLE: Final = limits.TITLE


@dataclass(frozen=True)
class Rules:
    """Everything decided when a ballot is created and frozen when it opens."""

    threshold: str = "simple"
    abstentions_count: bool = False
    quorum_kind: str | None = None
    quorum_value: Fraction | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    allow_change: bool = True
    secrecy: str = "named"
    weighting: str = "member"
    unranked: str = "below"
    # who is on the roll (see ROLLS), and the voters named when it is "chosen" (sorted ids)
    roll: str = "members"
    roll_members: tuple[int, ...] = ()


# --------------------------------------------------------------------------------------------
# parsing input


def _bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be true or false.", field=name)
    return value


def _choice(value: object, name: str, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValidationError(f"{name} must be one of: {', '.join(allowed)}.", field=name)
    return value


def parse_id(value: object, name: str) -> int:
    """The id of an amendment, a member, a ballot or a proxy, as a positive whole number."""
    if not is_id(value):
        raise ValidationError(
            f"{name} must be an id (a whole number from 1 to {MAX_ID}).", field=name
        )
    return value


def parse_fraction(value: object, name: str) -> Fraction:
    """A positive number given as 3, 0.25, "1/3", "25%" or "3:1" (a ratio against one)."""
    if isinstance(value, bool):
        raise ValidationError(f"{name} must be a number.", field=name)
    try:
        if isinstance(value, int):
            result = Fraction(value)
        elif isinstance(value, float):
            result = Fraction(str(value))
        elif isinstance(value, str):
            text = value.strip()
            if text.endswith("%"):
                result = Fraction(text[:-1].strip()) / 100
            elif re.fullmatch(r"\d+(\.\d+)?\s*:\s*\d+(\.\d+)?", text):
                left, right = (Fraction(part.strip()) for part in text.split(":"))
                result = left / right
            else:
                result = Fraction(text)
        else:
            raise ValueError(value)
    except (ValueError, ZeroDivisionError, OverflowError):
        raise ValidationError(
            f'{name} must be a number such as 3, 0.25, "1/3", "25%" or "3:1".', field=name
        ) from None
    if result <= 0:
        raise ValidationError(f"{name} must be more than zero.", field=name)
    if result.denominator > 10**6 or result > 10**9:
        raise ValidationError(f"{name} is not a sensible value.", field=name)
    return result


def parse_quorum(value: object) -> tuple[str | None, Fraction | None]:
    """``None`` (no quorum), ``{"share": "1/3"}`` of the roll, or ``{"votes": 10}``."""
    if value is None:
        return None, None
    if not isinstance(value, dict) or len(value) != 1:
        raise ValidationError(
            'quorum must be null, {"share": "1/3"} (of the roll) or {"votes": 10}.',
            field="quorum",
        )
    ((kind, raw),) = value.items()
    if kind == "share":
        share = parse_fraction(raw, "quorum")
        if share > 1:
            raise ValidationError("A quorum share cannot exceed the whole roll.", field="quorum")
        return "share", share
    if kind == "votes":
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            raise ValidationError(
                "A quorum in votes is a whole number of at least 1.", field="quorum"
            )
        return "votes", Fraction(raw)
    raise ValidationError('quorum is given as "share" or "votes".', field="quorum")


def parse_time(value: object, name: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(
                f"{name} must be an ISO 8601 time such as 2026-12-01T12:00:00Z.", field=name
            ) from None
    else:
        raise ValidationError(f"{name} must be an ISO 8601 time.", field=name)
    if parsed.tzinfo is None:
        raise ValidationError(f"{name} needs a time zone (for example Z for UTC).", field=name)
    return parsed


RULE_FIELDS: Final = (
    "threshold",
    "abstentions_count",
    "quorum",
    "opens_at",
    "closes_at",
    "allow_change",
    "secrecy",
    "weighting",
    "unranked",
    "roll",
    "roll_members",
)


def parse_rules(data: Mapping[str, Any], base: Rules | None = None) -> Rules:
    """Read the rule fields present in ``data`` over ``base`` (the defaults when None)."""
    rules = base or Rules()
    changes: dict[str, Any] = {}
    if "threshold" in data:
        changes["threshold"] = _choice(data["threshold"], "threshold", THRESHOLDS)
    if "abstentions_count" in data:
        changes["abstentions_count"] = _bool(data["abstentions_count"], "abstentions_count")
    if "quorum" in data:
        changes["quorum_kind"], changes["quorum_value"] = parse_quorum(data["quorum"])
    if "opens_at" in data:
        changes["opens_at"] = parse_time(data["opens_at"], "opens_at")
    if "closes_at" in data:
        changes["closes_at"] = parse_time(data["closes_at"], "closes_at")
    if "allow_change" in data:
        changes["allow_change"] = _bool(data["allow_change"], "allow_change")
    if "secrecy" in data:
        changes["secrecy"] = _choice(data["secrecy"], "secrecy", SECRECY)
    if "weighting" in data:
        changes["weighting"] = _choice(data["weighting"], "weighting", WEIGHTING)
    if "unranked" in data:
        changes["unranked"] = _choice(data["unranked"], "unranked", UNRANKED)
    if "roll" in data:
        changes["roll"] = _choice(data["roll"], "roll", ROLLS)
        if changes["roll"] != "chosen" and "roll_members" not in data:
            changes["roll_members"] = ()  # a list only a chosen roll has
    if "roll_members" in data:
        changes["roll_members"] = parse_roll_members(data["roll_members"])
    rules = replace(rules, **changes)
    check_rules(rules)
    return rules


def parse_roll_members(value: object) -> tuple[int, ...]:
    """The ids of the voters of a chosen roll: a list of distinct ids (sorted here)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValidationError(
            "roll_members is a list of the ids of the people on a chosen roll.",
            field="roll_members",
        )
    if len(value) > MAX_CHOSEN:
        raise ValidationError(f"At most {MAX_CHOSEN} voters on a roll.", field="roll_members")
    ids = [parse_id(item, "roll_members") for item in value]
    if len(set(ids)) != len(ids):
        raise ValidationError("A voter is listed twice.", field="roll_members")
    return tuple(sorted(ids))


def parse_ratio(value: object, name: str = "majority") -> Fraction:
    ratio = parse_fraction(value, name)
    if ratio < 1 or ratio > MAX_RATIO:
        raise ValidationError(f"{name} is a ratio from 1 (1:1) to 1000 (1000:1).", field=name)
    return ratio


def parse_majorities(data: Mapping[str, Any], amendment_ids: Sequence[int]) -> dict[int, Fraction]:
    """The majority ratio each option of a ranked ballot needs against keeping the current text.

    ``"majority": "3:1"`` applies to every option; ``"majorities": {"<amendment id>": "3:1"}``
    sets single options (and wins over ``majority``). Options not named need 1:1.
    """
    ratios = dict.fromkeys(amendment_ids, Fraction(1))
    if data.get("majority") is not None:
        ratios = dict.fromkeys(amendment_ids, parse_ratio(data["majority"]))
    per_option = data.get("majorities")
    if per_option is not None:
        if not isinstance(per_option, dict):
            raise ValidationError(
                'majorities maps amendment ids to ratios, such as {"12": "3:1"}.',
                field="majorities",
            )
        for key, value in per_option.items():
            try:
                amendment_id = int(key)
            except (TypeError, ValueError):
                amendment_id = -1
            if amendment_id not in ratios:
                raise ValidationError(
                    f"majorities names {key!r}, which is not an amendment of this ballot.",
                    field="majorities",
                )
            ratios[amendment_id] = parse_ratio(value, "majorities")
    return ratios


def check_rules(rules: Rules) -> None:
    """Rules that only make sense together."""
    if rules.opens_at and rules.closes_at and rules.closes_at <= rules.opens_at:
        raise ValidationError(
            "The closing time must come after the opening time.", field="closes_at"
        )
    if rules.roll == "chosen" and not rules.roll_members:
        raise ValidationError(
            "Name the people on a chosen roll (roll_members).", field="roll_members"
        )
    if rules.roll != "chosen" and rules.roll_members:
        raise ValidationError(
            'roll_members names the voters of a chosen roll; set roll to "chosen" to use it.',
            field="roll_members",
        )
    if rules.secrecy == "secret" and rules.weighting != "member":
        # A secret ballot carries its weight; 1/3 would say "an organisation of three voted this".
        raise ValidationError(
            "A secret ballot counts one vote per member: a weight per organisation would reveal "
            "which organisation a ballot came from.",
            field="weighting",
        )


def check_schedule(rules: Rules, now: datetime) -> None:
    """At creation and opening: a closing time already past makes no ballot."""
    if rules.closes_at is not None and rules.closes_at <= now:
        raise ValidationError("The closing time is already past.", field="closes_at")


def ensure_rules_editable(state: str) -> None:
    """Rules are frozen from the moment the ballot opens (and with them, secrecy)."""
    if state != "draft":
        raise InvalidTransition(
            "The rules of a ballot are frozen once it opens; this ballot is "
            f"{'open' if state == 'open' else 'closed'}."
        )


# --------------------------------------------------------------------------------------------
# the roll


@dataclass(frozen=True)
class Eligible:
    user_id: int
    role: str
    active: bool
    organisation: str | None


def is_eligible(
    role: str,
    active: bool,
    roll: str = "members_and_secretariat",
    chosen: frozenset[int] | None = None,
    user_id: int | None = None,
) -> bool:
    """Whether a person is on a roll of rule ``roll``: active members (``members``), active
    members and the secretariat (``members_and_secretariat``), or those of ``chosen`` who are
    active members or secretariat (``chosen``). Observers never vote."""
    if not active or role not in ROLL_ROLES[roll]:
        return False
    return roll != "chosen" or (chosen is not None and user_id in chosen)


def organisation_key(organisation: str | None, user_id: int) -> str:
    name = " ".join((organisation or "").split()).casefold()
    return f"org:{name}" if name else f"user:{user_id}"


def roll_weights(
    people: Iterable[Eligible],
    weighting: str,
    roll: str = "members",
    chosen: Iterable[int] = (),
) -> dict[int, Fraction]:
    """The voters on a roll of rule ``roll`` and their weights (see the module docstring)."""
    named = frozenset(chosen)
    voters = [p for p in people if is_eligible(p.role, p.active, roll, named, p.user_id)]
    if weighting == "member":
        return {p.user_id: Fraction(1) for p in voters}
    if weighting != "organisation":
        raise ValueError(f"unknown weighting {weighting!r}")
    groups: dict[str, list[int]] = {}
    for person in voters:
        groups.setdefault(organisation_key(person.organisation, person.user_id), []).append(
            person.user_id
        )
    return {uid: Fraction(1, len(ids)) for ids in groups.values() for uid in ids}


def describe_roll(roll: str, chosen_count: int = 0) -> str:
    """Who is on the roll, as the ballot page states it."""
    if roll == "members":
        return "Members only (the secretariat does not vote)"
    if roll == "members_and_secretariat":
        return "Members and the secretariat"
    return f"A chosen list of {chosen_count} {'person' if chosen_count == 1 else 'people'}"


def quorum_votes(
    kind: str | None, value: Fraction | None, roll_weight: Fraction
) -> Fraction | None:
    """The quorum as a number of votes (weight) for the tally, or None without a quorum."""
    if kind is None or value is None:
        return None
    if kind == "share":
        return value * roll_weight
    if kind == "votes":
        return value
    raise ValueError(f"unknown quorum kind {kind!r}")


def votes_text(value: Fraction | int) -> str:
    """ "1 vote", "2 votes", "5/2 votes"."""
    return f"{fraction_text(value)} vote" + ("" if value == 1 else "s")


def describe_quorum(kind: str | None, value: Fraction | None) -> str:
    """The quorum rule as the ballot page states it: "None", "1/3 of the roll", "10 votes"."""
    if kind is None or value is None:
        return "None"
    if kind == "share":
        return f"{fraction_text(value)} of the roll"
    return votes_text(value)


def describe_quorum_outcome(
    kind: str | None,
    value: Fraction | None,
    needed: Fraction | None,
    *,
    met: bool | None,
    ranked: bool,
) -> str:
    """The quorum on a results page: the rule, what it came to in votes, and whether it was
    reached. A ranked ballot applies it to each option (votes ranking it above keeping the
    current text), so it is reached or not per option, not once."""
    if kind is None or value is None or needed is None:
        return "None: every vote counts, however few."
    rule = describe_quorum(kind, value)
    if kind == "share":
        rule += f", that is {votes_text(needed)}"
    if ranked:
        return (
            f"{rule} ranking an option above keeping the current text; an option with fewer is "
            "dropped before the count."
        )
    return f"{rule}: {'reached' if met else 'not reached'}."


# --------------------------------------------------------------------------------------------
# the schedule


def due_action(
    state: str, opens_at: datetime | None, closes_at: datetime | None, now: datetime
) -> str | None:
    """``"open"`` or ``"close"`` when the schedule asks for it at ``now``, else None.

    A draft whose opening and closing times are both past opens first; the next check closes it.
    """
    if state == "draft" and opens_at is not None and opens_at <= now:
        return "open"
    if state == "open" and closes_at is not None and closes_at <= now:
        return "close"
    return None


def is_accepting(state: str, closes_at: datetime | None, now: datetime) -> bool:
    return state == "open" and (closes_at is None or now < closes_at)


# --------------------------------------------------------------------------------------------
# votes


def parse_choice(value: object) -> str:
    if not isinstance(value, str) or value not in CHOICES:
        raise ValidationError('choice must be "yes", "no" or "abstain".', field="choice")
    return value


def parse_ranking(value: object, option_keys: Sequence[str]) -> dict[str, int]:
    """``{option: rank}``, ranks from 1 (best); equal ranks tie; unranked options may be omitted."""
    if not isinstance(value, dict) or not value:
        raise ValidationError(
            "ranking must be an object giving at least one option a rank, such as "
            '{"A3": 1, "keep": 2}.',
            field="ranking",
        )
    known = set(option_keys)
    ranking: dict[str, int] = {}
    for key, rank in value.items():
        if key not in known:
            raise ValidationError(
                f"{key!r} is not an option of this ballot; the options are "
                f"{', '.join(option_keys)}.",
                field="ranking",
            )
        if isinstance(rank, bool) or not isinstance(rank, int) or not 1 <= rank <= len(known):
            raise ValidationError(
                f"The rank of {key!r} must be a whole number from 1 to {len(known)}.",
                field="ranking",
            )
        ranking[key] = rank
    return dict(sorted(ranking.items()))


# --------------------------------------------------------------------------------------------
# numbers for people and for JSON


def fraction_text(value: Fraction | int) -> str:
    value = Fraction(value)
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def json_number(value: object) -> int | float | str | None:
    """Whole numbers as integers, exact fractions as "p/q" strings, floats as they are."""
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else fraction_text(value)
    if isinstance(value, float):
        return value
    return str(value)


def ratio_text(value: Fraction) -> str:
    return f"{fraction_text(value)}:1"
