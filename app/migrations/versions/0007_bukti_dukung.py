"""bukti dukung files

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-25 12:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bukti_dukung',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('penilaian_id', sa.Integer(), nullable=False),
    sa.Column('rhk_id', sa.Integer(), nullable=False),
    sa.Column('nama_asli', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=120), nullable=False),
    sa.Column('ukuran', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('nama_simpan', sa.String(length=80), nullable=False),
    sa.Column('diunggah_oleh_id', sa.Integer(), nullable=False),
    sa.Column('diunggah_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['diunggah_oleh_id'], ['pegawai.id'], name=op.f('fk_bukti_dukung_diunggah_oleh_id_pegawai')),
    sa.ForeignKeyConstraint(['penilaian_id'], ['penilaian.id'], name=op.f('fk_bukti_dukung_penilaian_id_penilaian'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rhk_id'], ['rhk.id'], name=op.f('fk_bukti_dukung_rhk_id_rhk')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bukti_dukung')),
    sa.UniqueConstraint('nama_simpan', name=op.f('uq_bukti_dukung_nama_simpan'))
    )
    with op.batch_alter_table('bukti_dukung', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bukti_dukung_penilaian_id'), ['penilaian_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('bukti_dukung', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bukti_dukung_penilaian_id'))
    op.drop_table('bukti_dukung')
