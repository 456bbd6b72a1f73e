"""Join the voting and the accounts/notifications branches of the schema.

Revision ID: 0004_merge
Revises: 0002_voting, 0003_accounts
Create Date: 2026-11-25 19:55:00
"""

revision = "0004_merge"
down_revision = ("0002_voting", "0003_accounts")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
