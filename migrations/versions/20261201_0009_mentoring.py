"""training mentoring: assignments, sign-offs, feedback

Revision ID: 0009_mentoring
Revises: 0008_simulations
Create Date: 2026-12-01 07:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import servicecraft.db  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0009_mentoring'
down_revision = '0008_simulations'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
