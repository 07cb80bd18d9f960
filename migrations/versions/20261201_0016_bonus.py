"""qa bonus rounds

Revision ID: 0016_bonus
Revises: 0015_scorecards
Create Date: 2026-12-01 08:20:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import servicecraft.db  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0016_bonus'
down_revision = '0015_scorecards'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
