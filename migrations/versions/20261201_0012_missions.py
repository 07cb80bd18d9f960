"""qa mystery-shop missions

Revision ID: 0012_missions
Revises: 0011_evaluations
Create Date: 2026-12-01 08:00:00

"""
from alembic import op
import sqlalchemy as sa
import servicecraft.db


# revision identifiers, used by Alembic.
revision = '0012_missions'
down_revision = '0011_evaluations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('qa_mission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('form_version_id', sa.Integer(), nullable=False),
    sa.Column('window_start', servicecraft.db.UTCDateTime(), nullable=False),
    sa.Column('window_end', servicecraft.db.UTCDateTime(), nullable=False),
    sa.Column('brief', sa.Text(), nullable=False),
    sa.Column('scenario_slug', sa.String(length=64), nullable=True),
    sa.Column('fee_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('shopper_id', sa.Integer(), nullable=True),
    sa.Column('evaluation_id', sa.Integer(), nullable=True),
    sa.Column('wait_seconds', sa.Integer(), nullable=True),
    sa.Column('timer_started_at', servicecraft.db.UTCDateTime(), nullable=True),
    sa.Column('timer_stopped_at', servicecraft.db.UTCDateTime(), nullable=True),
    sa.Column('fee_status', sa.String(length=8), nullable=True),
    sa.Column('fee_paid_at', servicecraft.db.UTCDateTime(), nullable=True),
    sa.Column('fee_paid_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', servicecraft.db.UTCDateTime(), nullable=False),
    sa.Column('assigned_at', servicecraft.db.UTCDateTime(), nullable=True),
    sa.Column('submitted_at', servicecraft.db.UTCDateTime(), nullable=True),
    sa.Column('validated_at', servicecraft.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['people_user.id'], name=op.f('fk_qa_mission_agent_id_people_user')),
    sa.ForeignKeyConstraint(['branch_id'], ['people_branch.id'], name=op.f('fk_qa_mission_branch_id_people_branch')),
    sa.ForeignKeyConstraint(['created_by_id'], ['people_user.id'], name=op.f('fk_qa_mission_created_by_id_people_user')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['qa_evaluation.id'], name=op.f('fk_qa_mission_evaluation_id_qa_evaluation')),
    sa.ForeignKeyConstraint(['fee_paid_by_id'], ['people_user.id'], name=op.f('fk_qa_mission_fee_paid_by_id_people_user')),
    sa.ForeignKeyConstraint(['form_version_id'], ['qa_form_version.id'], name=op.f('fk_qa_mission_form_version_id_qa_form_version')),
    sa.ForeignKeyConstraint(['shopper_id'], ['people_user.id'], name=op.f('fk_qa_mission_shopper_id_people_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_mission'))
    )
    with op.batch_alter_table('qa_mission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qa_mission_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qa_mission_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qa_mission_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qa_mission_shopper_id'), ['shopper_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qa_mission_status'), ['status'], unique=False)

    op.create_table('qa_mission_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', servicecraft.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['people_user.id'], name=op.f('fk_qa_mission_event_actor_id_people_user')),
    sa.ForeignKeyConstraint(['mission_id'], ['qa_mission.id'], name=op.f('fk_qa_mission_event_mission_id_qa_mission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_mission_event'))
    )
    with op.batch_alter_table('qa_mission_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qa_mission_event_mission_id'), ['mission_id'], unique=False)



def downgrade():
    with op.batch_alter_table('qa_mission_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qa_mission_event_mission_id'))

    op.drop_table('qa_mission_event')
    with op.batch_alter_table('qa_mission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qa_mission_status'))
        batch_op.drop_index(batch_op.f('ix_qa_mission_shopper_id'))
        batch_op.drop_index(batch_op.f('ix_qa_mission_evaluation_id'))
        batch_op.drop_index(batch_op.f('ix_qa_mission_branch_id'))
        batch_op.drop_index(batch_op.f('ix_qa_mission_agent_id'))

    op.drop_table('qa_mission')
