"""Imports every model module so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from charter_engine.accounts import models as accounts_models
from charter_engine.accounts import second_factor as accounts_second_factor
from charter_engine.accounts import throttle as accounts_throttle
from charter_engine.amendments import models as amendments_models
from charter_engine.audit import models as audit_models
from charter_engine.charters import models as charters_models
from charter_engine.comments import models as comments_models
from charter_engine.mail import models as mail_models
from charter_engine.notifications import models as notifications_models
from charter_engine.publication import models as publication_models
from charter_engine.voting import models as voting_models

__all__ = [
    "accounts_models",
    "accounts_second_factor",
    "accounts_throttle",
    "amendments_models",
    "audit_models",
    "charters_models",
    "comments_models",
    "mail_models",
    "notifications_models",
    "publication_models",
    "voting_models",
]
