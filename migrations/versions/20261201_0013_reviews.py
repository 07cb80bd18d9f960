"""qa ticket reviews and calibration sessions

Revision ID: 0013_reviews
Revises: 0012_missions
Create Date: 2026-12-01 08:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import servicecraft.db  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0013_reviews'
down_revision = '0012_missions'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
