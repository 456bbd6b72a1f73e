"""Receipts of secret votes: the code a voter is given once, and the two forms stored of it.

- The **fingerprint** (``secret_ballots.receipt_hash``): SHA-256 of the ballot id and the code. It
  sits on the ballot paper and is published with the counted ballots after the close, so that a
  voter finds theirs.
- The **check** (``ballot_participations.receipt_check``): SHA-256 of a random salt and the code,
  with the salt. Only the code matches it, so changing a secret vote needs the receipt that was
  given *for that voter* — another voter's receipt is refused.

Neither form can be matched with the other without the code, which is 80 random bits: the salt
differs per participation, and the two hashes cover different material. So a reader of the whole
database cannot pair a participation (who) with a ballot paper (what) through the receipts.

Pure functions; no database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

RECEIPT_BYTES = 10
_SALT_BYTES = 16


def new_receipt() -> str:
    """A fresh code, e.g. ``ABCD-EFGH-IJKL-MNOP``: 80 random bits in base 32, in groups of four."""
    raw = base64.b32encode(secrets.token_bytes(RECEIPT_BYTES)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_receipt(code: str) -> str:
    """The code without separators or case, as typed back by a person."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def is_receipt_shaped(code: object) -> bool:
    """Whether ``code`` could be a receipt at all (before any lookup)."""
    return isinstance(code, str) and 8 <= len(normalise_receipt(code)) <= 64


def receipt_hash(ballot_id: int, code: str) -> str:
    """The published fingerprint of a receipt on a ballot."""
    return hashlib.sha256(f"{ballot_id}:{normalise_receipt(code)}".encode()).hexdigest()


def receipt_check(code: str) -> str:
    """What the voter's participation keeps of the receipt: ``salt$digest``."""
    salt = secrets.token_hex(_SALT_BYTES)
    return f"{salt}${_salted(salt, code)}"


def matches_check(check: str | None, code: str) -> bool:
    """Whether ``code`` is the receipt that ``check`` was made from."""
    if not check or "$" not in check:
        return False
    salt, digest = check.split("$", 1)
    return hmac.compare_digest(digest, _salted(salt, code))


def _salted(salt: str, code: str) -> str:
    return hashlib.sha256(f"participation:{salt}:{normalise_receipt(code)}".encode()).hexdigest()
