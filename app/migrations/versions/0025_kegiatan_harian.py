"""kegiatan harian: the daily activities of a pegawai per RHK, with the atasan's comment (issue 18)

Revision ID: 0025_kegiatan_harian
Revises: 0024_verifikasi
"""
from alembic import op
import sqlalchemy as sa


revision = '0025_kegiatan_harian'
down_revision = "0024_verifikasi"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kegiatan_harian',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('pegawai_id', sa.Integer(), nullable=False),
    sa.Column('tanggal', sa.Date(), nullable=False),
    sa.Column('skp_id', sa.Integer(), nullable=False),
    sa.Column('rhk_id', sa.Integer(), nullable=False),
    sa.Column('jenis', sa.String(length=16), nullable=False),
    sa.Column('uraian', sa.Text(), nullable=False),
    sa.Column('rencana_aksi', sa.Text(), nullable=False),
    sa.Column('output', sa.Text(), nullable=False),
    sa.Column('tautan', sa.Text(), nullable=False),
    sa.Column('berkas_nama', sa.String(length=255), nullable=True),
    sa.Column('berkas_media_type', sa.String(length=120), nullable=True),
    sa.Column('berkas_ukuran', sa.BigInteger(), nullable=True),
    sa.Column('berkas_sha256', sa.String(length=64), nullable=True),
    sa.Column('berkas_simpan', sa.String(length=80), nullable=True),
    sa.Column('komentar', sa.Text(), nullable=False),
    sa.Column('komentar_oleh_id', sa.Integer(), nullable=True),
    sa.Column('komentar_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dibuat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('diubah_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_kegiatan_harian_instansi_id_instansi')),
    sa.ForeignKeyConstraint(['pegawai_id'], ['pegawai.id'], name=op.f('fk_kegiatan_harian_pegawai_id_pegawai')),
    sa.ForeignKeyConstraint(['komentar_oleh_id'], ['pegawai.id'], name=op.f('fk_kegiatan_harian_komentar_oleh_id_pegawai')),
    sa.ForeignKeyConstraint(['skp_id'], ['skp.id'], name=op.f('fk_kegiatan_harian_skp_id_skp'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rhk_id'], ['rhk.id'], name=op.f('fk_kegiatan_harian_rhk_id_rhk'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kegiatan_harian')),
    sa.UniqueConstraint('berkas_simpan', name=op.f('uq_kegiatan_harian_berkas_simpan'))
    )
    with op.batch_alter_table('kegiatan_harian', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kegiatan_harian_instansi_id'), ['instansi_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kegiatan_harian_skp_id'), ['skp_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kegiatan_harian_rhk_id'), ['rhk_id'], unique=False)
        batch_op.create_index('ix_kegiatan_harian_pegawai_tanggal', ['pegawai_id', 'tanggal'], unique=False)


def downgrade() -> None:
    op.drop_table('kegiatan_harian')
