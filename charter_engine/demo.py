"""The demo charter space: a secretariat, members from several countries, a charter, amendments in
different states, comments and a ballot — loaded through the operations, like real data."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.accounts.operations import NewAccount, create_user
from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.models import Amendment
from charter_engine.amendments.operations import ChangeInput, propose_amendment
from charter_engine.amendments.transitions import transition_amendment
from charter_engine.charters.models import Charter
from charter_engine.charters.operations import import_charter
from charter_engine.charters.queries import current_entries
from charter_engine.comments.operations import AnchorSpec, create_comment
from charter_engine.errors import Conflict
from charter_engine.voting.demo import add_demo_ballots

DEMO_PASSWORD = "charter-demo-2026"  # nosec B105  # the demo's published password
CHARTER_FILE = Path(__file__).parent / "demo_data" / "charter.md"


class DemoPerson(NamedTuple):
    email: str
    name: str
    role: str
    organisation: str
    country: str
    title: str
    areas: str  # areas of work, for the directory's filter

    def account(self) -> NewAccount:
        return NewAccount(
            email=self.email,
            name=self.name,
            role=self.role,
            organisation=self.organisation,
            country=self.country,
        )


PEOPLE = [
    DemoPerson(
        "secretariat@demo.example",
        "Amina Diallo",
        "secretariat",
        "Convening Organisation",
        "CH",
        "Head of secretariat",
        "Process design, Facilitation",
    ),
    DemoPerson(
        "lucia@demo.example",
        "Lucía Fernández",
        "member",
        "Instituto de Innovación",
        "ES",
        "Director of open programmes",
        "Open data, Public procurement",
    ),
    DemoPerson(
        "kenji@demo.example",
        "Kenji Watanabe",
        "member",
        "Tokyo Design Lab",
        "JP",
        "Research lead",
        "Service design, Open data",
    ),
    DemoPerson(
        "marie@demo.example",
        "Marie Dubois",
        "member",
        "Ville de Lyon",
        "FR",
        "Chief innovation officer",
        "Économie circulaire, Smart cities",
    ),
    DemoPerson(
        "ngozi@demo.example",
        "Ngozi Okafor",
        "member",
        "Lagos Tech Hub",
        "NG",
        "Programme manager",
        "Digital skills, Start-up support",
    ),
    DemoPerson(
        "rafael@demo.example",
        "Rafael Costa",
        "member",
        "Universidade do Porto",
        "PT",
        "Professor",
        "Research policy, Digital skills",
    ),
    DemoPerson(
        "olivia@demo.example",
        "Olivia Brown",
        "observer",
        "Open Policy Institute",
        "CA",
        "Analyst",
        "Open government",
    ),
]


def demo_accounts() -> list[str]:
    """Lines naming every demo account, its role and the password (printed at each start)."""
    width = max(len(person.email) for person in PEOPLE)
    lines = [f"demo accounts (password {DEMO_PASSWORD}):"]
    for person in PEOPLE:
        lines.append(f"  {person.email:<{width}}  {person.role:<11}  {person.name}")
    return lines


def _demo_accounts_exist(session: Session) -> bool:
    emails = [person.email for person in PEOPLE]
    found = session.execute(select(User.email).where(User.email.in_(emails))).scalars().all()
    return len(set(found)) == len(emails)


def load_demo(session: Session, *, force: bool = False) -> list[str]:
    """Create the demo data; returns lines to print. Does nothing if charters already exist."""
    if not force and session.execute(select(Charter.id).limit(1)).first():
        if _demo_accounts_exist(session):
            return ["the demo is already loaded", *demo_accounts()]
        return ["the database already has charters; demo not loaded (use --force to add it)"]
    users: dict[str, User] = {}
    for person in PEOPLE:
        user = session.execute(select(User).where(User.email == person.email)).scalar_one_or_none()
        if user is None:
            user = create_user(session, **person.account(), password=DEMO_PASSWORD)
            user.role_title = person.title
            user.areas = person.areas
        users[person.email.split("@")[0]] = user
    sec = users["secretariat"]
    charter = import_charter(
        session,
        title="Open Innovation Core Group Charter",
        text=CHARTER_FILE.read_text(encoding="utf-8"),
        actor=sec,
        filename=CHARTER_FILE.name,
    )
    # The imported text, clause by clause (read once: the amendments below change the head).
    texts = {cid: v.text for cid, v in current_entries(session, charter)}

    def clause(prefix: str) -> int:
        return next(cid for cid, text in texts.items() if text.startswith(prefix))

    def propose(
        author: str, title: str, rationale: str, change: ChangeInput, *, submit: bool = True
    ) -> Amendment:
        """An amendment of one change proposed by ``author`` (the part of their email before
        the "@"), submitted for discussion unless ``submit`` is False."""
        return propose_amendment(
            session,
            charter,
            actor=users[author],
            title=title,
            rationale=rationale,
            changes=[change],
            submit=submit,
        )

    meetings = clause("The Core Group meets")
    decisions = clause("Decisions are taken")

    editorial = propose(
        "rafael",
        "Fix the wording of the meetings clause",
        "'at least four times a year' reads better with a comma before 'at times'.",
        {
            "kind": "replace",
            "clause_id": meetings,
            "text": texts[meetings].replace(
                "four times a year, at times", "four times a year, at times chosen"
            ),
        },
    )
    merge_amendment(session, editorial, actor=sec, editorial=True)

    quorum = propose(
        "lucia",
        "Count abstentions towards the quorum",
        "Members who abstain take part in the vote; the quorum should count them.",
        {
            "kind": "replace",
            "clause_id": clause("A decision is valid"),
            "text": "A decision is valid only if at least one third of the members took part "
            "in the vote, abstentions included.\n\n",
        },
    )
    transition_amendment(session, quorum, "open_discussion", actor=sec)

    majority = propose(
        "kenji",
        "Absolute majority for decisions",
        "A simple majority of votes cast lets a small group decide.",
        {
            "kind": "replace",
            "clause_id": decisions,
            "text": texts[decisions].replace("simple majority", "absolute majority"),
        },
    )
    consensus = propose(
        "marie",
        "Seek consensus first",
        "We should try to agree before we vote.",
        {
            "kind": "replace",
            "clause_id": decisions,
            "text": "Decisions are sought by consensus; failing consensus, they are taken by "
            "simple majority of the votes cast. Abstentions are not counted as votes "
            "cast.\n\n",
        },
    )
    propose(
        "ngozi",
        "Add a clause on languages",
        "Members work in many languages.",
        {
            "kind": "insert",
            "after_clause_id": meetings,
            "text": "Meetings are held in English; members may ask for interpretation into "
            "French or Spanish.\n\n",
        },
        submit=False,
    )
    create_comment(
        session,
        charter,
        actor=users["marie"],
        clause_id=decisions,
        body="Should **abstentions** really be left out? In many of our organisations they count.",
        anchor=AnchorSpec(0, len("Decisions are taken by simple majority")),
    )
    create_comment(
        session,
        charter,
        actor=users["kenji"],
        amendment=majority,
        body="This would make it harder for a small group to carry a decision.",
    )
    create_comment(
        session,
        charter,
        actor=users["lucia"],
        amendment=consensus,
        body="How long do we try for consensus before voting?",
    )
    lines = [
        f"demo charter loaded: {charter.slug} ({charter.head_revision_number} revisions)",
    ]
    try:
        lines += add_demo_ballots(session, charter, users, majority=majority, consensus=consensus)
    except Conflict as exc:  # pragma: no cover - the demo data is fixed
        lines.append(f"no demo ballot: {exc.message}")
    return lines + demo_accounts()
