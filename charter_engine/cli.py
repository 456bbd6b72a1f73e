"""The ``charter-engine`` command-line tool for the secretariat and operators.

The database comes from ``CHARTER_DATABASE_URL`` (an SQLite file under ./instance by default).
Each command is one unit of work: it opens a session, calls operations, commits once. Its sessions
behave as the web app's (:func:`charter_engine.subscribers.make_app_sessions`): changes made here
notify people just as changes made in the browser do. Errors are one clear line on stderr and a
non-zero exit.
"""

from __future__ import annotations

import functools
import gc
import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, Unpack

import click
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from charter_engine import __version__
from charter_engine.backup import BackupError
from charter_engine.config import Settings, load_settings
from charter_engine.db import make_engine, make_session_factory
from charter_engine.errors import CharterError
from charter_engine.subscribers import make_app_sessions

if TYPE_CHECKING:
    from flask import Flask

    from charter_engine.accounts.operations import NewAccount

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    def __init__(self) -> None:
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    @contextmanager
    def engine(self) -> Iterator[Engine]:
        engine = make_engine(self.settings.database_url)
        try:
            yield engine
        finally:
            engine.dispose()

    @contextmanager
    def sessions(self) -> Iterator[sessionmaker[Session]]:
        with self.engine() as engine:
            yield make_app_sessions(engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as sessions, sessions() as session:
            yield session


pass_context = click.make_pass_decorator(Context, ensure=True)


def fail(message: str) -> NoReturn:
    raise click.ClickException(message)


def _operator(session: Session, email: str | None) -> Any:
    """The secretariat account a command acts as (named, or the first active one)."""
    from charter_engine.accounts.models import User

    stmt = select(User).where(User.role == "secretariat", User.active.is_(True))
    if email:
        stmt = stmt.where(User.email == email.strip().lower())
    user = session.execute(stmt.order_by(User.id)).scalars().first()
    if user is None:
        fail(
            f"no active secretariat account {email}"
            if email
            else "no secretariat account yet: create one with "
            "'charter-engine create-user EMAIL --name NAME --role secretariat'"
        )
    return user


def handle_errors(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CharterError as exc:
            fail(exc.message)
        except BackupError as exc:
            fail(str(exc))
        except (OperationalError, ProgrammingError) as exc:
            fail(
                f"database error: {exc.orig}. "
                "Is the database set up? Run 'charter-engine db upgrade'."
            )
        except UnicodeDecodeError:
            fail("the file is not UTF-8 text")
        return None

    return wrapper  # type: ignore[return-value]


@click.group()
@click.version_option(__version__, prog_name="charter-engine")
def main() -> None:
    """Charter Engine: draft a charter together."""


# --- database ----------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@pass_context
@handle_errors
def db_upgrade(ctx: Context, revision: str) -> None:
    """Create or update the schema with the migrations."""
    from charter_engine import migrate

    url = ctx.settings.database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        before, after = migrate.upgrade(engine, revision)
    finally:
        engine.dispose()
    where = engine.url.render_as_string(hide_password=True)
    now = ", ".join(after) or "no revision"
    if not before:
        click.echo(f"created the database schema at {where} (revision {now})")
    elif before == after:
        click.echo(f"database at {where} was already up to date (revision {now})")
    else:
        click.echo(f"upgraded the database at {where} from {', '.join(before)} to {now}")


@db.command("downgrade")
@click.argument("revision")
@pass_context
@handle_errors
def db_downgrade(ctx: Context, revision: str) -> None:
    """Step the schema back to REVISION (e.g. 'base')."""
    from charter_engine import migrate

    engine = make_engine(ctx.settings.database_url)
    try:
        migrate.downgrade(engine, revision)
    finally:
        engine.dispose()
    click.echo(f"database downgraded to {revision}")


# --- users -------------------------------------------------------------------------------------


@main.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option(
    "--role",
    type=click.Choice(["member", "secretariat", "observer"]),
    default="member",
    show_default=True,
)
@click.option("--organisation", default=None)
@click.option("--country", default=None, help="Two-letter ISO code, e.g. FR.")
@click.option("--password", default=None, help="Set a password (otherwise invite by email).")
@click.option("--token", "with_token", is_flag=True, help="Also print a new API token (last line).")
@pass_context
@handle_errors
def create_user_cmd(
    ctx: Context, password: str | None, with_token: bool, **account: Unpack[NewAccount]
) -> None:
    """Create an account."""
    from charter_engine.accounts.operations import create_user, issue_token

    with ctx.session() as session:
        user = create_user(session, **account, password=password)
        token = issue_token(session, user, name="cli") if with_token else None
        session.commit()
        click.echo(f"created {user.role} {user.email} (id {user.id})")
        if token:
            click.echo(token)


def _account(session: Session, email: str) -> Any:
    """The account of ``email`` (as typed: any case, spaces around); a CLI error when none."""
    from charter_engine.accounts.models import User
    from charter_engine.accounts.operations import normalise_email

    address = normalise_email(email)
    user = session.execute(select(User).where(User.email == address)).scalar_one_or_none()
    if user is None:
        fail(f"no account for {address}")
    return user


@main.command("create-token")
@click.argument("email")
@click.option("--name", required=True, help="What will use it; the person sees it on their page.")
@pass_context
@handle_errors
def create_token_cmd(ctx: Context, email: str, name: str) -> None:
    """Make an API token for an existing account and print it (the last line).

    The person sees it among their API tokens and may revoke it there."""
    from charter_engine.accounts.operations import issue_token

    with ctx.session() as session:
        user = _account(session, email)
        token = issue_token(session, user, name=name)
        session.commit()
        click.echo(f"made the API token {name.strip()!r} for {user.email}")
        click.echo(token)


@main.command("reset-second-factor")
@click.argument("email")
@click.option("--reason", required=True, help="Why (kept in the audit log).")
@pass_context
@handle_errors
def reset_second_factor_cmd(ctx: Context, email: str, reason: str) -> None:
    """Remove the second factor of someone who lost their device and their recovery codes."""
    from charter_engine.accounts.second_factor import reset_second_factor

    with ctx.session() as session:
        user = _account(session, email)
        removed = reset_second_factor(session, user, reason=reason)
        session.commit()
        if removed:
            click.echo(f"{user.email}: second factor removed; the password alone signs in now")
        else:
            click.echo(f"{user.email} had no second factor")


# --- charters ----------------------------------------------------------------------------------


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--title", required=True)
@click.option("--format", "fmt", type=click.Choice(["markdown", "rst", "text"]), default=None)
@click.option("--as", "as_email", default=None, help="Secretariat account to act as.")
@pass_context
@handle_errors
def import_cmd(ctx: Context, file: Path, title: str, fmt: str | None, as_email: str | None) -> None:
    """Import FILE as a new charter; prints its slug."""
    from charter_engine.charters.operations import import_charter

    if not file.exists():
        fail(f"no such file: {file}")
    raw = file.read_bytes()
    text = raw.decode("utf-8")
    with ctx.session() as session:
        charter = import_charter(
            session,
            title=title,
            text=text,
            actor=_operator(session, as_email),
            filename=file.name,
            source_format=fmt,
        )
        session.commit()
        click.echo(charter.slug)


EXPORT_FORMATS = ("md", "html", "pdf", "docx", "json")


class _Progress:
    """Progress lines on standard error, each with the seconds since the command started."""

    def __init__(self) -> None:
        import time

        self._clock = time.perf_counter
        self._start = self._clock()

    def __call__(self, step: str) -> None:
        click.echo(f"[{self._clock() - self._start:5.1f} s] {step}", err=True)


@main.command("export")
@click.argument("slug")
@click.option("--revision", type=int, default=None, help="Revision number (default: the newest).")
@click.option("--release", "release", default=None, help="A release's label, e.g. 1.0.")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="md", show_default=True)
@click.option("--line-numbers", is_flag=True, help="PDF: number the lines of each page.")
@click.option("--no-annex", is_flag=True, help="PDF, DOCX, HTML: leave out the changelog annex.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@pass_context
@handle_errors
def export_cmd(
    ctx: Context,
    slug: str,
    revision: int | None,
    release: str | None,
    fmt: str,
    line_numbers: bool,
    no_annex: bool,
    output: Path | None,
) -> None:
    """Write a revision or a release to FILE or standard output.

    Markdown (the default) is the revision's exact text; the other formats are rendered once and
    then served from the export cache, as on the web.
    """
    from charter_engine.charters.queries import get_charter
    from charter_engine.db import begin_reading
    from charter_engine.publication.exports import export_file
    from charter_engine.publication.source import ExportOptions

    if revision is not None and release is not None:
        fail("give --revision or --release, not both")
    with ctx.session() as session:
        # A reading transaction: on SQLite, rendering a long PDF then holds no write lock.
        begin_reading(session)
        charter = get_charter(session, slug)
        delivered = export_file(
            session,
            charter,
            fmt=fmt,
            revision=revision,
            release=release,
            options=ExportOptions(line_numbers=line_numbers, annex=not no_annex),
            progress=None if fmt == "md" else _Progress(),
        )
        session.commit()
    if output is None:
        sys.stdout.buffer.write(delivered.content)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(delivered.content)
        click.echo(
            f"wrote {len(delivered.content)} bytes to {output} (sha256 {delivered.sha256})",
            err=True,
        )


@main.command("release")
@click.argument("slug")
@click.option("--label", required=True, help="The release's label, e.g. 1.0.")
@click.option("--notes", default="", help="Release notes.")
@click.option("--revision", type=int, default=None, help="Revision number (default: the newest).")
@click.option("--as", "as_email", default=None, help="Secretariat account to act as.")
@pass_context
@handle_errors
def release_cmd(
    ctx: Context,
    slug: str,
    label: str,
    notes: str,
    revision: int | None,
    as_email: str | None,
) -> None:
    """Publish a revision of SLUG as a release; prints the SHA-256 of its text and files."""
    from charter_engine.charters.queries import get_charter
    from charter_engine.publication.operations import publish_release

    with ctx.session() as session:
        charter = get_charter(session, slug)
        release = publish_release(
            session,
            charter,
            label=label,
            notes=notes,
            revision_number=revision,
            actor=_operator(session, as_email),
            progress=_Progress(),
        )
        session.commit()
        click.echo(f"released {slug} {release.label}: revision {release.revision_number}")
        click.echo(f"text  {release.text_sha256}")
        for stored in release.files:
            click.echo(f"{stored.format:<5} {stored.sha256}")


# --- serving -----------------------------------------------------------------------------------


# Seconds a stopping worker has to finish the requests it holds.
STOP_TIMEOUT = 10


def default_workers() -> int:
    """One worker process per CPU core, at most four (each keeps its own database connections)."""
    return max(1, min(os.cpu_count() or 1, 4))


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=click.IntRange(0, 65535), show_default=True)
@click.option(
    "--workers",
    default=default_workers,
    type=click.IntRange(1, 64),
    show_default="one per CPU core, at most 4",
    help="Worker processes, each with its own threads and database connections.",
)
@click.option(
    "--threads",
    default=4,
    type=click.IntRange(1, 256),
    show_default=True,
    help="Threads per worker that run requests.",
)
@pass_context
def serve_cmd(ctx: Context, host: str, port: int, workers: int, threads: int) -> None:
    """Serve the web app and the API with a production HTTP server (Granian)."""
    from granian import Granian
    from granian.constants import Interfaces

    from charter_engine.db import DEFAULT_POOL_SIZE

    # Read (and on first use create) the settings and the instance's secret key here, once,
    # rather than in every worker at the same moment.
    settings = ctx.settings
    busy = _cannot_listen(host, port)
    if busy:
        fail(f"cannot listen on {host}:{port}: {busy}")
    server = Granian(
        "charter_engine",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        websockets=False,
        # A worker that missed the stop signal (one sent while it was still starting) is killed
        # after this many seconds instead of keeping the server from stopping.
        workers_kill_timeout=STOP_TIMEOUT,
    )
    # Each worker builds its own app, with a database connection per thread and two to spare.
    load_app = functools.partial(served_app, {"db_pool_size": max(threads + 2, DEFAULT_POOL_SIZE)})
    # The workers have stopped (each finishing the requests it had): chain the audit events of
    # the last requests now rather than at the next start.
    server.on_shutdown(lambda: _chain_after_shutdown(settings.database_url))
    click.echo(f"Charter Engine is running at http://{host}:{port}/ (Ctrl+C to stop)")
    server.serve(target_loader=load_app, wrap_loader=False)


def served_app(config_overrides: dict[str, Any] | None = None) -> Flask:
    """The app as a server worker runs it: built, warmed up, and its long-lived objects frozen.

    Once the app is built, almost every object in the process lives as long as the process
    (modules, the compiled templates, the mappers, the routing table): about a hundred thousand
    objects that every full garbage collection would walk again, 30–40 ms each time, in the middle
    of some request. Compiling every template first and then freezing what exists
    (:func:`gc.freeze`) leaves the collector only the objects requests create; measured in
    ``docs/benchmarks.md`` (the p95 of the served pages).
    """
    from sqlalchemy.orm import configure_mappers

    from charter_engine.app import create_app

    app = create_app(config_overrides)
    configure_mappers()
    for name in app.jinja_env.list_templates(filter_func=_is_page_template):
        app.jinja_env.get_template(name)
    gc.collect()
    gc.freeze()
    return app


def _is_page_template(name: str) -> bool:
    return name.endswith(".html")


def _cannot_listen(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on, or None. The server shares its port between its
    workers, which would let a second server join the first one unnoticed; this check does not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As a server binds: a port whose last connections are still closing is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def _chain_after_shutdown(database_url: str) -> None:
    try:
        engine = make_engine(database_url)
        try:
            _chain_waiting(engine)
        finally:
            engine.dispose()
    except Exception as exc:
        click.echo(
            f"audit events left unchained ({exc.__class__.__name__}); "
            "run 'charter-engine audit chain'",
            err=True,
        )


def _chain_waiting(engine: Engine) -> int:
    """Chain every audit event that waits to be chained; how many there were."""
    from charter_engine.audit.chainer import AuditChainer

    return AuditChainer(make_session_factory(engine)).flush()


@main.command("demo")
@click.option("--force", is_flag=True, help="Load the demo even if the database has charters.")
@pass_context
@handle_errors
def demo_cmd(ctx: Context, force: bool) -> None:
    """Load a demo charter with members, amendments, comments and a ballot."""
    from charter_engine.demo import load_demo

    with ctx.session() as session:
        summary = load_demo(session, force=force)
        session.commit()
    for line in summary:
        click.echo(line)


# --- audit -------------------------------------------------------------------------------------


@main.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
@click.option(
    "--event",
    "event_seq",
    type=click.IntRange(1),
    default=None,
    help="Also print the hash of this event, to compare with one published earlier.",
)
@pass_context
@handle_errors
def audit_verify(ctx: Context, event_seq: int | None) -> None:
    """Check the hash chain, and the stored votes against it; names what was tampered with.

    Never writes. The chain check names the first altered, missing or reordered event; the vote
    check names every ballot whose stored votes or result disagree with the log."""
    from charter_engine.audit.operations import chain_head, link_at, verify_chain
    from charter_engine.voting.reconcile import vote_discrepancies

    with ctx.session() as session:
        # One snapshot for the whole walk, so events chained meanwhile by a running server do
        # not look like a broken chain; on SQLite a deferred BEGIN also keeps writers unblocked.
        if session.get_bind().dialect.name == "sqlite":
            session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        else:
            session.connection(
                execution_options={
                    "isolation_level": "REPEATABLE READ",
                    "postgresql_readonly": True,
                }
            )
        result = verify_chain(session)
        head = chain_head(session)
        asked = None if event_seq is None else link_at(session, event_seq)
        problems = vote_discrepancies(session)
    if result.ok:
        click.echo(f"audit chain intact: {result.checked} events verified")
        if head is not None:
            click.echo(f"chain head: event {head.seq}, hash {head.hash}")
    if event_seq is not None:
        click.echo(
            f"event {event_seq}: hash {asked.hash}"
            if asked is not None
            else f"event {event_seq}: not in the chain"
        )
    if result.unchained:
        click.echo(
            f"{result.unchained} recent event(s) are recorded but not chained yet; the server "
            "chains them within a second (with no server running: 'charter-engine audit chain')"
        )
    for problem in problems:
        click.echo(f"votes disagree with the audit log: {problem}", err=True)
    if not result.ok:
        fail(f"audit chain broken: {result.reason} ({result.checked} events verified before it)")
    if problems:
        fail(f"{len(problems)} disagreement(s) between the stored votes and the audit log")
    click.echo("stored votes and results agree with the audit log")


@audit.command("chain")
@pass_context
@handle_errors
def audit_chain(ctx: Context) -> None:
    """Chain the events recorded but not chained yet (a running server does it by itself)."""
    with ctx.engine() as engine:
        chained = _chain_waiting(engine)
    click.echo(f"{chained} audit event(s) chained")


# --- backups -----------------------------------------------------------------------------------


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
@handle_errors
def backup_cmd(ctx: Context, file: Path) -> None:
    """Write a consistent copy of the database to FILE while the application keeps serving."""
    from charter_engine.backup import backup_database

    backup_database(ctx.settings.database_url, file)
    click.echo(f"backed up the database to {file} ({file.stat().st_size} bytes)")


@main.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
@handle_errors
def restore_cmd(ctx: Context, file: Path) -> None:
    """Load the backup FILE into the database, which must be new and empty."""
    from charter_engine.backup import restore_database

    restore_database(ctx.settings.database_url, file)
    click.echo(f"restored {file}; check it with 'charter-engine audit verify'")


# --- ballots -----------------------------------------------------------------------------------


@main.group()
def ballots() -> None:
    """Ballots."""


@ballots.command("tick")
@pass_context
@handle_errors
def ballots_tick(ctx: Context) -> None:
    """Open and close ballots whose scheduled time has come (run it from cron every minute)."""
    from charter_engine.db import utcnow
    from charter_engine.voting.closing import tick_ballots

    with ctx.session() as session:
        done = tick_ballots(session, now=utcnow())
        session.commit()
    for ballot_id, action in done:
        click.echo(f"ballot {ballot_id}: {action}")
    click.echo(f"{len(done)} ballot(s) changed")


# --- mail --------------------------------------------------------------------------------------


@main.group()
def mail() -> None:
    """Outgoing mail."""


def _deliver(ctx: Context, sessions: sessionmaker[Session]) -> None:
    from charter_engine.mail.outbox import deliver_outbox

    report = deliver_outbox(sessions, ctx.settings)
    if report.skipped:
        click.echo(f"mail not sent: {report.skipped}")
        return
    click.echo(f"{report.sent} mail(s) sent, {report.failed} failed")
    for error in report.errors:
        click.echo(f"  {error}", err=True)
    if report.failed:
        fail(f"{report.failed} mail(s) could not be sent; they stay in the outbox")


@mail.command("send")
@pass_context
@handle_errors
def mail_send(ctx: Context) -> None:
    """Send what waits in the outbox (mail that failed earlier is tried again)."""
    with ctx.sessions() as sessions:
        _deliver(ctx, sessions)


@mail.command("digest")
@pass_context
@handle_errors
def mail_digest(ctx: Context) -> None:
    """Queue and send the daily digest of notifications (run it from cron once a day)."""
    from charter_engine.db import utcnow
    from charter_engine.notifications.operations import send_digest

    with ctx.sessions() as sessions:
        with sessions() as session:
            queued = send_digest(session, utcnow())
            session.commit()
        click.echo(f"{queued} digest(s) queued")
        _deliver(ctx, sessions)


if __name__ == "__main__":  # pragma: no cover
    main()
