"""message_subscription: the message catch events instances wait at, so messages find their receivers

Revision ID: 0015_message_subscription
Revises: 0014_dokumen_proses
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_message_subscription'
down_revision = '0014_dokumen_proses'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'message_subscription',
        sa.Column('task_id', sa.String(36), primary_key=True),
        sa.Column('message_name', sa.String(255), primary_key=True),
        sa.Column('instance_id', sa.Integer(), sa.ForeignKey('instance.id', ondelete='CASCADE'), nullable=False),
        sa.Column('business_key', sa.String(128), nullable=False),
        sa.Column('correlation', sa.String(512), nullable=True),
        sa.Column('bpmn_id', sa.String(128), nullable=False),
    )
    op.create_index('ix_message_subscription_instance_id', 'message_subscription', ['instance_id'])
    op.create_index('ix_message_subscription_key', 'message_subscription', ['message_name', 'business_key'])
    op.create_index('ix_message_subscription_correlation', 'message_subscription', ['message_name', 'correlation'])
    # Instances waiting at a message event before this revision get their rows at their next save.


def downgrade() -> None:
    op.drop_table('message_subscription')
