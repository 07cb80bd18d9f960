"""qa scorecard weights and snapshots

Revision ID: 0015_scorecards
Revises: 0014_ticket_sync
Create Date: 2026-12-01 08:20:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import servicecraft.db  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0015_scorecards'
down_revision = '0014_ticket_sync'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
