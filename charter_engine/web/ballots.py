"""Voting pages: a charter's ballots, creating and running a ballot, the exact text voted on, the
vote form with confirmation and receipt, proxies, results with charts, the roll call and receipts.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ballots", __name__)
