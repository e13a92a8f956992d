"""penilaian catatan: titled sections of text a process attaches to a penilaian (service catat_penilaian),
printed by the Dokumen Evaluasi (e.g. KEBERATAN, PENJELASAN PEJABAT PENILAI ATAS KEBERATAN, KEPUTUSAN …)

Revision ID: 0021_penilaian_catatan
Revises: 0020_admin_indexes
"""
from alembic import op
import sqlalchemy as sa


revision = '0021_penilaian_catatan'
down_revision = '0020_admin_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('penilaian_catatan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('penilaian_id', sa.Integer(), nullable=False),
    sa.Column('judul', sa.String(length=200), nullable=False),
    sa.Column('isi', sa.Text(), nullable=False),
    sa.Column('urutan', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('dibuat_oleh_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['penilaian_id'], ['penilaian.id'], ondelete='CASCADE',
                            name=op.f('fk_penilaian_catatan_penilaian_id_penilaian')),
    sa.ForeignKeyConstraint(['instance_id'], ['instance.id'], ondelete='SET NULL',
                            name=op.f('fk_penilaian_catatan_instance_id_instance')),
    sa.ForeignKeyConstraint(['dibuat_oleh_id'], ['pegawai.id'],
                            name=op.f('fk_penilaian_catatan_dibuat_oleh_id_pegawai')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_penilaian_catatan')),
    sa.UniqueConstraint('penilaian_id', 'judul', name=op.f('uq_penilaian_catatan_penilaian_id_judul'))
    )
    op.create_index(op.f('ix_penilaian_catatan_penilaian_id'), 'penilaian_catatan', ['penilaian_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_penilaian_catatan_penilaian_id'), table_name='penilaian_catatan')
    op.drop_table('penilaian_catatan')
