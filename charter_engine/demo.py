"""The demo charter space: a secretariat, members from several countries, a charter, amendments in
different states, comments and a ballot — loaded through the operations, like real data."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.accounts.operations import create_user
from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.operations import propose_amendment
from charter_engine.amendments.transitions import transition_amendment
from charter_engine.charters.models import Charter
from charter_engine.charters.operations import import_charter
from charter_engine.charters.queries import current_entries
from charter_engine.comments.operations import AnchorSpec, create_comment
from charter_engine.errors import Conflict
from charter_engine.voting.demo import add_demo_ballots

DEMO_PASSWORD = "charter-demo-2026"  # nosec B105  # the demo's published password
CHARTER_FILE = Path(__file__).parent / "demo_data" / "charter.md"

PEOPLE = [
    (
        "secretariat@demo.example",
        "Amina Diallo",
        "secretariat",
        "Convening Organisation",
        "CH",
        "Head of secretariat",
    ),
    (
        "lucia@demo.example",
        "Lucía Fernández",
        "member",
        "Instituto de Innovación",
        "ES",
        "Director of open programmes",
    ),
    ("kenji@demo.example", "Kenji Watanabe", "member", "Tokyo Design Lab", "JP", "Research lead"),
    (
        "marie@demo.example",
        "Marie Dubois",
        "member",
        "Ville de Lyon",
        "FR",
        "Chief innovation officer",
    ),
    ("ngozi@demo.example", "Ngozi Okafor", "member", "Lagos Tech Hub", "NG", "Programme manager"),
    ("rafael@demo.example", "Rafael Costa", "member", "Universidade do Porto", "PT", "Professor"),
    ("olivia@demo.example", "Olivia Brown", "observer", "Open Policy Institute", "CA", "Analyst"),
]


def demo_accounts() -> list[str]:
    """Lines naming every demo account, its role and the password (printed at each start)."""
    width = max(len(email) for email, *_ in PEOPLE)
    lines = [f"demo accounts (password {DEMO_PASSWORD}):"]
    for email, name, role, _organisation, _country, _title in PEOPLE:
        lines.append(f"  {email:<{width}}  {role:<11}  {name}")
    return lines


def _demo_accounts_exist(session: Session) -> bool:
    emails = [email for email, *_ in PEOPLE]
    found = session.execute(select(User.email).where(User.email.in_(emails))).scalars().all()
    return len(set(found)) == len(emails)


# Areas of work of the demo people, for the directory's filter (by the part before the "@").
AREAS = {
    "secretariat": "Process design, Facilitation",
    "lucia": "Open data, Public procurement",
    "kenji": "Service design, Open data",
    "marie": "Économie circulaire, Smart cities",
    "ngozi": "Digital skills, Start-up support",
    "rafael": "Research policy, Digital skills",
    "olivia": "Open government",
}


def load_demo(session: Session, *, force: bool = False) -> list[str]:
    """Create the demo data; returns lines to print. Does nothing if charters already exist."""
    if not force and session.execute(select(Charter.id).limit(1)).first():
        if _demo_accounts_exist(session):
            return ["the demo is already loaded", *demo_accounts()]
        return ["the database already has charters; demo not loaded (use --force to add it)"]
    users: dict[str, User] = {}
    for email, name, role, organisation, country, title in PEOPLE:
        existing = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if existing is None:
            existing = create_user(
                session,
                email=email,
                name=name,
                role=role,
                organisation=organisation,
                country=country,
                password=DEMO_PASSWORD,
            )
            existing.role_title = title
            existing.areas = AREAS.get(email.split("@")[0])
        users[email.split("@")[0]] = existing
    sec = users["secretariat"]
    charter = import_charter(
        session,
        title="Open Innovation Core Group Charter",
        text=CHARTER_FILE.read_text(encoding="utf-8"),
        actor=sec,
        filename=CHARTER_FILE.name,
    )
    clauses = {v.text.split("\n")[0][:40]: cid for cid, v in current_entries(session, charter)}

    def clause(prefix: str) -> int:
        return next(cid for key, cid in clauses.items() if key.startswith(prefix))

    decisions = clause("Decisions are taken")
    decisions_text = next(
        v.text for cid, v in current_entries(session, charter) if cid == decisions
    )

    editorial = propose_amendment(
        session,
        charter,
        actor=users["rafael"],
        title="Fix the wording of the meetings clause",
        rationale="'at least four times a year' reads better with a comma before 'at times'.",
        changes=[
            {
                "kind": "replace",
                "clause_id": clause("The Core Group meets"),
                "text": next(
                    v.text
                    for cid, v in current_entries(session, charter)
                    if cid == clause("The Core Group meets")
                ).replace("four times a year, at times", "four times a year, at times chosen"),
            }
        ],
        submit=True,
    )
    merge_amendment(session, editorial, actor=sec, editorial=True)

    quorum = propose_amendment(
        session,
        charter,
        actor=users["lucia"],
        title="Count abstentions towards the quorum",
        rationale="Members who abstain take part in the vote; the quorum should count them.",
        changes=[
            {
                "kind": "replace",
                "clause_id": clause("A decision is valid"),
                "text": "A decision is valid only if at least one third of the members took part "
                "in the vote, abstentions included.\n\n",
            }
        ],
        submit=True,
    )
    transition_amendment(session, quorum, "open_discussion", actor=sec)

    majority = propose_amendment(
        session,
        charter,
        actor=users["kenji"],
        title="Absolute majority for decisions",
        rationale="A simple majority of votes cast lets a small group decide.",
        changes=[
            {
                "kind": "replace",
                "clause_id": decisions,
                "text": decisions_text.replace("simple majority", "absolute majority"),
            }
        ],
        submit=True,
    )
    consensus = propose_amendment(
        session,
        charter,
        actor=users["marie"],
        title="Seek consensus first",
        rationale="We should try to agree before we vote.",
        changes=[
            {
                "kind": "replace",
                "clause_id": decisions,
                "text": "Decisions are sought by consensus; failing consensus, they are taken by "
                "simple majority of the votes cast. Abstentions are not counted as votes "
                "cast.\n\n",
            }
        ],
        submit=True,
    )
    propose_amendment(
        session,
        charter,
        actor=users["ngozi"],
        title="Add a clause on languages",
        rationale="Members work in many languages.",
        changes=[
            {
                "kind": "insert",
                "after_clause_id": clause("The Core Group meets"),
                "text": "Meetings are held in English; members may ask for interpretation into "
                "French or Spanish.\n\n",
            }
        ],
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
