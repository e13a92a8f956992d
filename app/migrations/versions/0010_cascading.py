"""cascading: inherited organisational RHK, PLT/PLH re-routing marks

Revision ID: 0010
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rhk') as batch:
        batch.add_column(sa.Column('inherited_from_rhk_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_rhk_inherited_from', 'rhk', ['inherited_from_rhk_id'], ['id'])
    with op.batch_alter_table('penugasan_plt_plh') as batch:
        # '' until the open tasks were re-routed at tmt_mulai, 'MULAI' after, 'SELESAI' after tmt_selesai
        batch.add_column(sa.Column('dialihkan', sa.String(length=8), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('penugasan_plt_plh') as batch:
        batch.drop_column('dialihkan')
    with op.batch_alter_table('rhk') as batch:
        batch.drop_constraint('fk_rhk_inherited_from', type_='foreignkey')
        batch.drop_column('inherited_from_rhk_id')
