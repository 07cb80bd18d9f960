"""training onboarding plans and coaching sessions

Revision ID: 0010_onboarding
Revises: 0009_mentoring
Create Date: 2026-12-01 07:30:00

"""
import sqlalchemy as sa
from alembic import op

import servicecraft.db  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0010_onboarding'
down_revision = '0009_mentoring'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('training_checkin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_at', servicecraft.db.UTCDateTime(), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('held_at', servicecraft.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', servicecraft.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['mentee_id'], ['people_user.id'], name=op.f('fk_training_checkin_mentee_id_people_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['people_user.id'], name=op.f('fk_training_checkin_mentor_id_people_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_checkin'))
    )
    with op.batch_alter_table('training_checkin', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_checkin_mentee_id'), ['mentee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_checkin_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_checkin_scheduled_at'), ['scheduled_at'], unique=False)
    op.create_table('training_plan_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.JSON(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', servicecraft.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', servicecraft.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['people_branch.id'], name=op.f('fk_training_plan_template_branch_id_people_branch')),
    sa.ForeignKeyConstraint(['created_by_id'], ['people_user.id'], name=op.f('fk_training_plan_template_created_by_id_people_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_plan_template')),
    sa.UniqueConstraint('name', name=op.f('uq_training_plan_template_name'))
    )
    with op.batch_alter_table('training_plan_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_plan_template_branch_id'), ['branch_id'], unique=False)
    op.create_table('training_action_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('done_at', servicecraft.db.UTCDateTime(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', servicecraft.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checkin_id'], ['training_checkin.id'], name=op.f('fk_training_action_item_checkin_id_training_checkin'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['people_user.id'], name=op.f('fk_training_action_item_created_by_id_people_user')),
    sa.ForeignKeyConstraint(['done_by_id'], ['people_user.id'], name=op.f('fk_training_action_item_done_by_id_people_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_action_item'))
    )
    with op.batch_alter_table('training_action_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_action_item_checkin_id'), ['checkin_id'], unique=False)
    op.create_table('training_checkin_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=True),
    sa.Column('created_at', servicecraft.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checkin_id'], ['training_checkin.id'], name=op.f('fk_training_checkin_link_checkin_id_training_checkin'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_checkin_link')),
    sa.UniqueConstraint('checkin_id', 'kind', 'ref_id', name=op.f('uq_training_checkin_link_checkin_id'))
    )
    with op.batch_alter_table('training_checkin_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_checkin_link_checkin_id'), ['checkin_id'], unique=False)
    op.create_table('training_checkin_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', servicecraft.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['people_user.id'], name=op.f('fk_training_checkin_note_author_id_people_user')),
    sa.ForeignKeyConstraint(['checkin_id'], ['training_checkin.id'], name=op.f('fk_training_checkin_note_checkin_id_training_checkin'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_checkin_note')),
    sa.UniqueConstraint('checkin_id', 'kind', 'author_id', 'version', name=op.f('uq_training_checkin_note_checkin_id'))
    )
    with op.batch_alter_table('training_checkin_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_checkin_note_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_checkin_note_checkin_id'), ['checkin_id'], unique=False)
    op.create_table('training_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', servicecraft.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['people_user.id'], name=op.f('fk_training_plan_created_by_id_people_user')),
    sa.ForeignKeyConstraint(['template_id'], ['training_plan_template.id'], name=op.f('fk_training_plan_template_id_training_plan_template'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['people_user.id'], name=op.f('fk_training_plan_user_id_people_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_plan')),
    sa.UniqueConstraint('user_id', name=op.f('uq_training_plan_user_id'))
    )
    with op.batch_alter_table('training_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_plan_template_id'), ['template_id'], unique=False)
    op.create_table('training_plan_template_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('link', sa.String(length=120), nullable=False),
    sa.Column('due_offset_days', sa.Integer(), nullable=False),
    sa.Column('ticked_by', sa.String(length=16), nullable=False),
    sa.Column('depends_on', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['training_plan_template.id'], name=op.f('fk_training_plan_template_item_template_id_training_plan_template'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_plan_template_item')),
    sa.UniqueConstraint('template_id', 'key', name=op.f('uq_training_plan_template_item_template_id'))
    )
    with op.batch_alter_table('training_plan_template_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_plan_template_item_template_id'), ['template_id'], unique=False)
    op.create_table('training_plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('link', sa.String(length=120), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('ticked_by', sa.String(length=16), nullable=False),
    sa.Column('depends_on', sa.JSON(), nullable=False),
    sa.Column('done_at', servicecraft.db.UTCDateTime(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['done_by_id'], ['people_user.id'], name=op.f('fk_training_plan_item_done_by_id_people_user')),
    sa.ForeignKeyConstraint(['plan_id'], ['training_plan.id'], name=op.f('fk_training_plan_item_plan_id_training_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_plan_item')),
    sa.UniqueConstraint('plan_id', 'key', name=op.f('uq_training_plan_item_plan_id'))
    )
    with op.batch_alter_table('training_plan_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_plan_item_plan_id'), ['plan_id'], unique=False)


def downgrade():
    with op.batch_alter_table('training_plan_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_plan_item_plan_id'))
    op.drop_table('training_plan_item')
    with op.batch_alter_table('training_plan_template_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_plan_template_item_template_id'))
    op.drop_table('training_plan_template_item')
    with op.batch_alter_table('training_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_plan_template_id'))
    op.drop_table('training_plan')
    with op.batch_alter_table('training_checkin_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_checkin_note_checkin_id'))
        batch_op.drop_index(batch_op.f('ix_training_checkin_note_author_id'))
    op.drop_table('training_checkin_note')
    with op.batch_alter_table('training_checkin_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_checkin_link_checkin_id'))
    op.drop_table('training_checkin_link')
    with op.batch_alter_table('training_action_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_action_item_checkin_id'))
    op.drop_table('training_action_item')
    with op.batch_alter_table('training_plan_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_plan_template_branch_id'))
    op.drop_table('training_plan_template')
    with op.batch_alter_table('training_checkin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_checkin_scheduled_at'))
        batch_op.drop_index(batch_op.f('ix_training_checkin_mentor_id'))
        batch_op.drop_index(batch_op.f('ix_training_checkin_mentee_id'))
    op.drop_table('training_checkin')
