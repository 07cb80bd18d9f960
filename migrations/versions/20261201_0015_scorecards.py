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
    op.create_table('qa_scorecard_weights',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', servicecraft.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['people_user.id'], name=op.f('fk_qa_scorecard_weights_created_by_id_people_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_scorecard_weights'))
    )
    with op.batch_alter_table('qa_scorecard_weights', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qa_scorecard_weights_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('qa_scorecard_weights', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qa_scorecard_weights_created_at'))

    op.drop_table('qa_scorecard_weights')
