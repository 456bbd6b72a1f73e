"""Settings, read from ``CHARTER_*`` environment variables in one place.

Every other module asks this one; nothing else reads the environment. Values can be overridden per
application (tests pass ``config_overrides`` to ``create_app``).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from charter_engine.db import DEFAULT_POOL_SIZE

DEFAULT_INSTANCE_DIR = Path.cwd() / "instance"


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def default_database_url(instance_dir: Path) -> str:
    return f"sqlite:///{instance_dir / 'charter.sqlite3'}"


def _secret_key(instance_dir: Path) -> str:
    """A stable secret per instance folder, so sessions survive restarts without configuration."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    instance_dir: Path
    base_url: str = "http://127.0.0.1:5000"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "Charter Engine <charter@localhost>"
    invitation_max_age: int = 14 * 24 * 3600
    reset_max_age: int = 2 * 3600
    testing: bool = False
    # PostgreSQL connections kept open per process; at least the server's threads.
    db_pool_size: int = DEFAULT_POOL_SIZE
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto it believes (0: none, the
    # client's address is the connection's). Throttling counts by the client's address.
    trusted_proxies: int = 0
    # Secretariat accounts must sign in with a second factor (TOTP); without one they are sent to
    # set it up and reach no other page.
    require_secretariat_totp: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def with_overrides(self, **overrides: Any) -> Settings:
        known = {k: v for k, v in overrides.items() if k in self.__dataclass_fields__}
        extra = {k: v for k, v in overrides.items() if k not in self.__dataclass_fields__}
        return replace(self, **known, extra={**self.extra, **extra})


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    instance_dir = Path(env.get("CHARTER_INSTANCE_DIR") or DEFAULT_INSTANCE_DIR)
    return Settings(
        database_url=env.get("CHARTER_DATABASE_URL") or default_database_url(instance_dir),
        secret_key=env.get("CHARTER_SECRET_KEY") or _secret_key(instance_dir),
        instance_dir=instance_dir,
        base_url=(env.get("CHARTER_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        smtp_host=env.get("CHARTER_SMTP_HOST") or None,
        smtp_port=int(env.get("CHARTER_SMTP_PORT") or 25),
        smtp_username=env.get("CHARTER_SMTP_USERNAME") or None,
        smtp_password=env.get("CHARTER_SMTP_PASSWORD") or None,
        smtp_starttls=_bool(env.get("CHARTER_SMTP_STARTTLS")),
        mail_from=env.get("CHARTER_MAIL_FROM") or "Charter Engine <charter@localhost>",
        trusted_proxies=int(env.get("CHARTER_TRUSTED_PROXIES") or 0),
        require_secretariat_totp=_bool(env.get("CHARTER_REQUIRE_SECRETARIAT_TOTP")),
    )
