"""training onboarding plans and coaching sessions

Revision ID: 0010_onboarding
Revises: 0009_mentoring
Create Date: 2026-12-01 07:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import servicecraft.db  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0010_onboarding'
down_revision = '0009_mentoring'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
