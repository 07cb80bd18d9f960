"""qa help-desk connections, sync and surveys

Revision ID: 0014_ticket_sync
Revises: 0013_reviews
Create Date: 2026-12-01 08:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import servicecraft.db  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0014_ticket_sync'
down_revision = '0013_reviews'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
