"""qa mystery-shop missions

Revision ID: 0012_missions
Revises: 0011_evaluations
Create Date: 2026-12-01 08:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import servicecraft.db  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0012_missions'
down_revision = '0011_evaluations'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
