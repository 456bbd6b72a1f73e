"""Forms of the voting pages: a ballot's rules, a vote (yes/no/abstain or a ranking), a proxy.

The ballot form turns what the secretariat typed into the rule values the voting operations take
(:func:`BallotForm.rules`); the operations check them again and their errors are shown next to the
field they name (:func:`BallotForm.show_error`). The vote form is written by hand in the template
(one rank select per option) and read by :func:`read_vote`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from charter_engine.limits import TITLE
from charter_engine.voting.models import Ballot
from charter_engine.voting.rules import DEFAULT_OPTION
from charter_engine.web.forms import Form, choices

KIND_LABELS = {
    "amendment": "One amendment: yes, no or abstain",
    "ranked": "Competing amendments: rank them against keeping the current text",
    "adoption": "Adoption of the whole charter: yes, no or abstain",
}
THRESHOLD_LABELS = {
    "simple": "Simple majority (more yes than no)",
    "two_thirds": "Two thirds of the votes",
    "three_quarters": "Three quarters of the votes",
    "consensus": "Consensus (no vote against)",
}
# A label below; bandit takes the key "secret" for a password.
SECRECY_LABELS = {
    "named": "Named: who voted what is published as a roll call after the ballot closes",
    "secret": "Secret: votes are kept apart from voters; each voter gets a receipt",  # nosec B105
}
WEIGHTING_LABELS = {
    "member": "One vote per member",
    "organisation": "One vote per organisation (shared among its members)",
}
UNRANKED_LABELS = {
    "below": "Below every ranked option",
    "ignore": "No preference (the ballot says nothing about them)",
}
QUORUM_LABELS = {
    "": "No quorum",
    "share": "A share of the roll (for example 1/3 or 40%)",
    "votes": "A number of voters",
}
ROLL_LABELS = {
    "members": "Members only (the secretariat does not vote)",
    "members_and_secretariat": "Members and the secretariat",
    "chosen": "A chosen list of people",
}
CHOICE_LABELS = {"yes": "Yes", "no": "No", "abstain": "Abstain"}
# Fields the voting operations name in their errors, and the form field that shows them.
ERROR_FIELDS = {
    "quorum": "quorum_value",
    "majority": "majority",
    "majorities": "majority",
    "opens_at": "opens_at",
    "closes_at": "closes_at",
    "threshold": "threshold",
    "secrecy": "secrecy",
    "weighting": "weighting",
    "unranked": "unranked",
    "amendments": "amendments",
    "title": "title",
    "kind": "kind",
    "abstentions_count": "abstentions_count",
    "allow_change": "allow_change",
    "roll": "roll",
    "roll_members": "roll_members",
}
TIME_FORMAT = "%Y-%m-%dT%H:%M"


class CheckboxList(SelectMultipleField):  # type: ignore[misc]  # WTForms is untyped
    """Checkboxes over ids: the view fills in the choices and checks the ids it is given."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: str, description: str, **binding: Any) -> None:
        # ``binding``: what WTForms adds when it binds the field to a form (its name, the form).
        super().__init__(
            label,
            choices=[],
            coerce=int,
            validate_choice=False,
            description=description,
            **binding,
        )


class BallotRulesForm(Form):
    """The rules of a ballot (creating one, or editing a draft)."""

    title = StringField(
        "Title",
        validators=[Optional(), Length(max=TITLE)],
        description="Leave empty to name the ballot after what it decides.",
    )
    threshold = SelectField(
        "Threshold", choices=choices(THRESHOLD_LABELS.items()), default="simple"
    )
    majority = StringField(
        "Majority each amendment needs against keeping the current text",
        validators=[Optional(), Length(max=20)],
        default="1:1",
        description='Ranked ballots only. "1:1" is a plain majority; "3:1" is used for changes '
        "to the charter's principles.",
    )
    abstentions_count = BooleanField("Abstentions count in the base of the threshold")
    quorum_kind = SelectField("Quorum", choices=choices(QUORUM_LABELS.items()), default="")
    quorum_value = StringField(
        "Quorum value",
        validators=[Optional(), Length(max=20)],
        description='For a share: "1/3", "0.4" or "40%". For a number of voters: "10".',
    )
    opens_at = DateTimeLocalField(
        "Opening time (UTC)",
        format=TIME_FORMAT,
        validators=[Optional()],
        description="Leave empty to open the ballot by hand.",
    )
    closes_at = DateTimeLocalField(
        "Closing time (UTC)",
        format=TIME_FORMAT,
        validators=[Optional()],
        description="Leave empty to close the ballot by hand.",
    )
    allow_change = BooleanField(
        "Voters may change their vote until the ballot closes", default=True
    )
    secrecy = RadioField("Secrecy", choices=choices(SECRECY_LABELS.items()), default="named")
    weighting = RadioField("Weighting", choices=choices(WEIGHTING_LABELS.items()), default="member")
    unranked = SelectField(
        "Options a voter leaves unranked count as",
        choices=choices(UNRANKED_LABELS.items()),
        default="below",
        description="Ranked ballots only.",
    )
    roll = RadioField("Who votes", choices=choices(ROLL_LABELS.items()), default="members")
    roll_members = CheckboxList(
        "People on the chosen roll",
        description="Only for a chosen list: active members and the secretariat.",
    )
    version = HiddenField()

    def set_roll_choices(self, people: Any) -> None:
        """The people who may be chosen for a roll (``overview.possible_agents``)."""
        self.roll_members.choices = [
            (p.id, p.name + (f" ({p.organisation})" if p.organisation else "")) for p in people
        ]

    def rules(self, kind: str) -> dict[str, Any] | None:
        """The rule values for the operations, or None when a field here is already wrong."""
        quorum: dict[str, Any] | None = None
        raw = (self.quorum_value.data or "").strip()
        if self.quorum_kind.data == "share":
            if not raw:
                self.quorum_value.errors = ["Give the share of the roll, such as 1/3."]
                return None
            quorum = {"share": raw}
        elif self.quorum_kind.data == "votes":
            if not raw.isdigit() or int(raw) < 1:
                self.quorum_value.errors = ["Give a whole number of voters, such as 10."]
                return None
            quorum = {"votes": int(raw)}
        data: dict[str, Any] = {
            "threshold": self.threshold.data,
            "abstentions_count": bool(self.abstentions_count.data),
            "quorum": quorum,
            "opens_at": _utc(self.opens_at.data),
            "closes_at": _utc(self.closes_at.data),
            "allow_change": bool(self.allow_change.data),
            "secrecy": self.secrecy.data,
            "weighting": self.weighting.data,
            "roll": self.roll.data,
            "roll_members": (
                list(self.roll_members.data or []) if self.roll.data == "chosen" else []
            ),
        }
        if kind == "ranked":
            data["unranked"] = self.unranked.data
            data["majority"] = (self.majority.data or "").strip() or "1:1"
        return data

    def show_error(self, field_name: str | None, message: str) -> None:
        """Put a message from the operations next to the field it is about (or on the form)."""
        target = ERROR_FIELDS.get(field_name or "")
        if target is not None and hasattr(self, target):
            getattr(self, target).errors = [*getattr(self, target).errors, message]
        else:
            self.form_errors.append(message)

    @classmethod
    def for_ballot(cls, ballot: Ballot, **kwargs: Any) -> BallotRulesForm:
        option = next((o for o in ballot.options if o.key != DEFAULT_OPTION), None)
        majority = f"{option.majority_num}:{option.majority_den}" if option else "1:1"
        data = {
            "title": ballot.title,
            "threshold": ballot.threshold,
            "majority": majority,
            "abstentions_count": ballot.abstentions_count,
            "quorum_kind": ballot.quorum_kind or "",
            "quorum_value": _quorum_text(ballot),
            "opens_at": _local(ballot.opens_at),
            "closes_at": _local(ballot.closes_at),
            "allow_change": ballot.allow_change,
            "secrecy": ballot.secrecy,
            "weighting": ballot.weighting,
            "unranked": ballot.unranked,
            "roll": ballot.roll_rule,
            "roll_members": [v.user_id for v in ballot.chosen_voters],
            "version": str(ballot.version),
        }
        return cls(data=data, **kwargs)


class NewBallotForm(BallotRulesForm):
    kind = RadioField("What is voted on", choices=choices(KIND_LABELS.items()), default="amendment")
    amendments = CheckboxList(
        "Amendments",
        description="One amendment for a yes/no ballot; two or more competing amendments to the "
        "same clauses for a ranked ballot; none for the adoption of the charter.",
    )


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


def _local(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None)


def _quorum_text(ballot: Ballot) -> str:
    if ballot.quorum_num is None or ballot.quorum_den is None:
        return ""
    if ballot.quorum_kind == "votes" or ballot.quorum_den == 1:
        return str(ballot.quorum_num)
    return f"{ballot.quorum_num}/{ballot.quorum_den}"


class ProxyForm(Form):
    agent_id = SelectField("Give my vote to", coerce=int, choices=[])
    ballot_id = HiddenField()


class ReceiptForm(Form):
    """A receipt to find in the counted ballots: posted, so that it never appears in a URL."""

    code = StringField("Your receipt code", validators=[DataRequired(), Length(max=100)])


# --------------------------------------------------------------------------------------------
# the vote form


@dataclass
class VoteInput:
    """A vote as read from the form, with the errors to show next to its controls."""

    choice: str | None = None
    ranking: dict[str, int] | None = None
    on_behalf_of: int | None = None
    receipt: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    # What the voter chose, to show the form again as they left it.
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def rank_field(key: str) -> str:
    return f"rank-{key}"


def read_vote(ballot: Ballot, form: Mapping[str, str]) -> VoteInput:
    """Read a vote from the form. Ranks are "1".."N" or "" (not ranked); equal ranks are ties."""
    vote = VoteInput()
    behalf = (form.get("on_behalf_of") or "").strip()
    if behalf:
        if not behalf.isdigit():
            vote.errors["form"] = "The member you vote for is not known."
        else:
            vote.on_behalf_of = int(behalf)
    receipt = (form.get("receipt") or "").strip()
    if receipt:
        vote.receipt = receipt[:100]
        vote.raw["receipt"] = vote.receipt
    if ballot.kind != "ranked":
        choice = form.get("choice") or ""
        vote.raw["choice"] = choice
        if choice not in CHOICE_LABELS:
            vote.errors["choice"] = "Choose yes, no or abstain."
        else:
            vote.choice = choice
        return vote
    keys = [o.key for o in ballot.options]
    ranking: dict[str, int] = {}
    for key in keys:
        raw = (form.get(rank_field(key)) or "").strip()
        vote.raw[rank_field(key)] = raw
        if not raw:
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= len(keys):
            vote.errors[rank_field(key)] = f"Choose a rank from 1 to {len(keys)}, or not ranked."
            continue
        ranking[key] = int(raw)
    unknown = [
        name
        for name in form
        if name.startswith("rank-") and name.removeprefix("rank-") not in set(keys)
    ]
    if unknown:
        vote.errors["form"] = "The form named an option that is not on this ballot."
    if not ranking and not vote.errors:
        vote.errors["ranking"] = "Rank at least one option (1 is your first preference)."
    vote.ranking = ranking or None
    return vote
