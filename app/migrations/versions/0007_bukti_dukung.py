"""bukti dukung files; opening a period in the background (pembukaan_periode, pembukaan_hasil)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 12:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
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

    op.create_table('pembukaan_periode',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('periode_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('diminta_oleh_id', sa.Integer(), nullable=True),
    sa.Column('diminta_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('selesai_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('diklaim_oleh', sa.String(length=120), nullable=True),
    sa.Column('diklaim_sampai', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['diminta_oleh_id'], ['pegawai.id'], name=op.f('fk_pembukaan_periode_diminta_oleh_id_pegawai')),
    sa.ForeignKeyConstraint(['periode_id'], ['periode.id'], name=op.f('fk_pembukaan_periode_periode_id_periode')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pembukaan_periode')),
    sa.UniqueConstraint('periode_id', name=op.f('uq_pembukaan_periode_periode_id'))
    )
    with op.batch_alter_table('pembukaan_periode', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pembukaan_periode_status'), ['status'], unique=False)

    op.create_table('pembukaan_hasil',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pembukaan_id', sa.Integer(), nullable=False),
    sa.Column('skp_id', sa.Integer(), nullable=False),
    sa.Column('nip', sa.String(length=18), nullable=False),
    sa.Column('nama', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('alasan', sa.Text(), nullable=False),
    sa.Column('penilaian_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['pembukaan_id'], ['pembukaan_periode.id'], name=op.f('fk_pembukaan_hasil_pembukaan_id_pembukaan_periode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['penilaian_id'], ['penilaian.id'], name=op.f('fk_pembukaan_hasil_penilaian_id_penilaian'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['skp_id'], ['skp.id'], name=op.f('fk_pembukaan_hasil_skp_id_skp')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pembukaan_hasil')),
    sa.UniqueConstraint('pembukaan_id', 'skp_id', name=op.f('uq_pembukaan_hasil_pembukaan_id_skp_id'))
    )
    with op.batch_alter_table('pembukaan_hasil', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pembukaan_hasil_pembukaan_id'), ['pembukaan_id'], unique=False)


def downgrade() -> None:
    op.drop_table('pembukaan_hasil')
    op.drop_table('pembukaan_periode')
    with op.batch_alter_table('bukti_dukung', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bukti_dukung_penilaian_id'))
    op.drop_table('bukti_dukung')
