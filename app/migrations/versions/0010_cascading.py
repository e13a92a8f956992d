"""cascading: inherited organisational RHK, PLT/PLH re-routing marks, matriks peran hasil

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mph_sel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('skp_id', sa.Integer(), nullable=False),
    sa.Column('rhk_id', sa.Integer(), nullable=False),
    sa.Column('bawahan_id', sa.Integer(), nullable=False),
    sa.Column('peran', sa.Text(), nullable=False),
    sa.Column('hasil', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['skp_id'], ['skp.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rhk_id'], ['rhk.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['bawahan_id'], ['pegawai.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rhk_id', 'bawahan_id')
    )
    op.create_index(op.f('ix_mph_sel_skp_id'), 'mph_sel', ['skp_id'], unique=False)
    op.create_index(op.f('ix_mph_sel_bawahan_id'), 'mph_sel', ['bawahan_id'], unique=False)
    with op.batch_alter_table('rhk') as batch:
        batch.add_column(sa.Column('inherited_from_rhk_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_rhk_inherited_from', 'rhk', ['inherited_from_rhk_id'], ['id'])
    with op.batch_alter_table('penugasan_plt_plh') as batch:
        # '' until the open tasks were re-routed at tmt_mulai, 'MULAI' after, 'SELESAI' after tmt_selesai
        batch.add_column(sa.Column('dialihkan', sa.String(length=8), nullable=False, server_default=''))
    with op.batch_alter_table('human_task') as batch:
        # an admin's reassignment stays put: automatic re-routing skips these tasks
        batch.add_column(sa.Column('assigned_by_admin', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('human_task') as batch:
        batch.drop_column('assigned_by_admin')
    with op.batch_alter_table('penugasan_plt_plh') as batch:
        batch.drop_column('dialihkan')
    with op.batch_alter_table('rhk') as batch:
        batch.drop_constraint('fk_rhk_inherited_from', type_='foreignkey')
        batch.drop_column('inherited_from_rhk_id')
    op.drop_index(op.f('ix_mph_sel_bawahan_id'), table_name='mph_sel')
    op.drop_index(op.f('ix_mph_sel_skp_id'), table_name='mph_sel')
    op.drop_table('mph_sel')
