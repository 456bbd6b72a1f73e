"""The command-line tool, run through click's runner on the test database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from charter_engine.db import make_engine
from tests.shared_data import require_shared_data


def test_create_user_with_token_prints_the_token_last(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "create-user",
        "Sec@Example.org",
        "--name",
        "Sec",
        "--role",
        "secretariat",
        "--organisation",
        "UN",
        "--country",
        "ch",
        "--token",
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("created secretariat sec@example.org")
    assert lines[-1].startswith("ce_") and len(lines[-1]) > 30


def test_import_and_export_round_trip_byte_for_byte(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = require_shared_data("histories", "pep-0013", "v000.rst")
    cli("create-user", "sec@example.org", "--name", "Sec", "--role", "secretariat")
    result = cli("import", str(source), "--title", "PEP 13")
    assert result.exit_code == 0, result.output
    slug = result.output.strip().splitlines()[-1]
    assert slug == "pep-13"
    out = tmp_path / "out.rst"
    assert cli("export", slug, "-o", str(out)).exit_code == 0
    assert out.read_bytes() == source.read_bytes()
    assert cli("export", slug, "--revision", "1", "-o", str(out)).exit_code == 0
    assert out.read_bytes() == source.read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("export", "nope"), "no charter 'nope'"),
        (("import", "/no/such/file.md", "--title", "X"), "no such file"),
        (("create-user", "not-an-email", "--name", "X"), "valid email"),
    ],
)
def test_errors_are_one_clear_line_and_non_zero(cli, args, message) -> None:  # type: ignore[no-untyped-def]
    result = cli(*args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_import_needs_a_secretariat_account_and_refuses_binary_files(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = tmp_path / "c.md"
    doc.write_text("# Charter\n\nText.\n")
    result = cli("import", str(doc), "--title", "C")
    assert result.exit_code != 0 and "secretariat account" in result.output
    cli("create-user", "sec@example.org", "--name", "Sec", "--role", "secretariat")
    binary = tmp_path / "c.bin"
    binary.write_bytes(b"\xff\xfe\x00\x01binary")
    result = cli("import", str(binary), "--title", "C")
    assert result.exit_code != 0 and "not UTF-8 text" in result.output
    exported = cli("export", "c")
    assert exported.exit_code != 0  # nothing was imported


def test_export_of_an_unknown_revision_names_the_range(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = tmp_path / "c.md"
    doc.write_text("# Charter\n\nText.\n")
    cli("create-user", "sec@example.org", "--name", "Sec", "--role", "secretariat")
    cli("import", str(doc), "--title", "C")
    result = cli("export", "c", "--revision", "7")
    assert result.exit_code != 0 and "revisions run from 1 to 1" in result.output


def test_demo_then_audit_verify_then_tamper(cli, database_url: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("demo")
    assert result.exit_code == 0, result.output
    assert "demo charter loaded" in result.output
    assert "the demo is already loaded" in cli("demo").output
    verified = cli("audit", "verify")
    assert verified.exit_code == 0 and "audit chain intact" in verified.output
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET action = 'forged' WHERE seq = 4"))
    engine.dispose()
    broken = cli("audit", "verify")
    assert broken.exit_code != 0
    assert "event 4 was altered" in broken.output


def _record_deferred_events(database_url: str, count: int) -> None:
    """Events recorded as a server records votes, committed but not chained yet (no chainer)."""
    from charter_engine.audit.chainer import AUDIT_CHAINER
    from charter_engine.audit.operations import record_event
    from charter_engine.db import make_session_factory

    class NoThread:
        def poke(self) -> None:
            pass

    engine = make_engine(database_url)
    with make_session_factory(engine, info={AUDIT_CHAINER: NoThread()})() as session:
        for i in range(count):
            record_event(
                session,
                "vote.cast",
                actor_id=None,
                object_type="ballot",
                object_id=i,
                chain_later=True,
            )
        session.commit()
    engine.dispose()


def test_audit_verify_counts_unchained_events_and_audit_chain_links_them(
    cli: Any, database_url: str
) -> None:
    cli("create-user", "sec@example.org", "--name", "Sec", "--role", "secretariat")
    _record_deferred_events(database_url, 3)
    verified = cli("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "audit chain intact: 1 events verified" in verified.output
    assert "3 recent event(s) are recorded but not chained yet" in verified.output
    refused = cli("db", "downgrade", "0004_merge")
    assert refused.exit_code != 0 and "3 audit event(s) are not chained yet" in refused.output
    assert "Traceback" not in refused.output
    chained = cli("audit", "chain")
    assert chained.exit_code == 0 and "3 audit event(s) chained" in chained.output
    verified = cli("audit", "verify")
    assert verified.exit_code == 0 and "audit chain intact: 4 events verified" in verified.output
    assert "not chained yet" not in verified.output
    assert "0 audit event(s) chained" in cli("audit", "chain").output


def test_audit_commands_on_a_database_without_schema_fail_in_one_line(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHARTER_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    for command in ("chain", "verify"):
        result = cli("audit", command)
        assert result.exit_code != 0
        assert "charter-engine db upgrade" in result.output and "Traceback" not in result.output


def test_mail_commands_without_smtp_say_so_and_keep_the_outbox(cli) -> None:  # type: ignore[no-untyped-def]
    sent = cli("mail", "send")
    assert sent.exit_code == 0 and "mail not sent" in sent.output
    digest = cli("mail", "digest")
    assert digest.exit_code == 0 and "0 digest(s) queued" in digest.output
