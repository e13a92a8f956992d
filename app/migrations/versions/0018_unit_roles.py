"""unit roles: per-unit roles (verifikator, operator) assigned by the admin kinerja, kept after they end

Revision ID: 0018_unit_roles
Revises: 0017_definition_instansi
"""
from alembic import op
import sqlalchemy as sa


revision = '0018_unit_roles'
down_revision = '0017_definition_instansi'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('peran_unor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unor_id', sa.Integer(), nullable=False),
    sa.Column('pegawai_id', sa.Integer(), nullable=False),
    sa.Column('peran', sa.String(length=32), nullable=False),
    sa.Column('ditetapkan_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ditetapkan_oleh_id', sa.Integer(), nullable=True),
    sa.Column('dicabut_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dicabut_oleh_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['unor_id'], ['unor.id'], name=op.f('fk_peran_unor_unor_id_unor')),
    sa.ForeignKeyConstraint(['pegawai_id'], ['pegawai.id'], name=op.f('fk_peran_unor_pegawai_id_pegawai')),
    sa.ForeignKeyConstraint(['ditetapkan_oleh_id'], ['pegawai.id'],
                            name=op.f('fk_peran_unor_ditetapkan_oleh_id_pegawai')),
    sa.ForeignKeyConstraint(['dicabut_oleh_id'], ['pegawai.id'], name=op.f('fk_peran_unor_dicabut_oleh_id_pegawai')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peran_unor'))
    )
    op.create_index(op.f('ix_peran_unor_pegawai_id'), 'peran_unor', ['pegawai_id'], unique=False)
    op.create_index('ix_peran_unor_unor_peran', 'peran_unor', ['unor_id', 'peran'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_peran_unor_unor_peran', table_name='peran_unor')
    op.drop_index(op.f('ix_peran_unor_pegawai_id'), table_name='peran_unor')
    op.drop_table('peran_unor')
