"""angka kredit

Reference data of the AK conversion (ak_persentase, ak_jenjang) and the AK ledger (angka_kredit),
app/kinerja/angka_kredit.py. Written by hand (only these three tables). The default reference rows
are not inserted here: ``ekinerja db upgrade`` and the demo load call ``seed_defaults`` after the
migrations, so the defaults live in one place.
angka_kredit.penilaian_id has no foreign key yet (the penilaian table comes in a later revision).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ak_persentase',
    sa.Column('predikat', sa.String(length=16), nullable=False),
    sa.Column('persen', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('predikat', name=op.f('pk_ak_persentase'))
    )
    op.create_table('ak_jenjang',
    sa.Column('jf_jenjang', sa.String(length=16), nullable=False),
    sa.Column('kategori', sa.String(length=16), nullable=False),
    sa.Column('koefisien', sa.Numeric(precision=8, scale=3), nullable=False),
    sa.Column('akk_kp', sa.Numeric(precision=8, scale=3), nullable=False),
    sa.Column('akk_kj', sa.Numeric(precision=8, scale=3), nullable=True),
    sa.PrimaryKeyConstraint('jf_jenjang', name=op.f('pk_ak_jenjang'))
    )
    op.create_table('angka_kredit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pegawai_id', sa.Integer(), nullable=False),
    sa.Column('penilaian_id', sa.Integer(), nullable=True),
    sa.Column('sumber', sa.String(length=16), nullable=False),
    sa.Column('periode_awal', sa.Date(), nullable=False),
    sa.Column('periode_akhir', sa.Date(), nullable=False),
    sa.Column('jumlah_bulan', sa.Integer(), nullable=True),
    sa.Column('jf_jenjang', sa.String(length=16), nullable=False),
    sa.Column('predikat', sa.String(length=16), nullable=True),
    sa.Column('persentase', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('koefisien', sa.Numeric(precision=8, scale=3), nullable=True),
    sa.Column('ak', sa.Numeric(precision=10, scale=3), nullable=False),
    sa.Column('keterangan', sa.Text(), nullable=False),
    sa.Column('dibuat_oleh_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pegawai_id'], ['pegawai.id'], name=op.f('fk_angka_kredit_pegawai_id_pegawai')),
    sa.ForeignKeyConstraint(['dibuat_oleh_id'], ['pegawai.id'], name=op.f('fk_angka_kredit_dibuat_oleh_id_pegawai')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_angka_kredit')),
    sa.UniqueConstraint('penilaian_id', name=op.f('uq_angka_kredit_penilaian_id'))
    )
    with op.batch_alter_table('angka_kredit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_angka_kredit_pegawai_id'), ['pegawai_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('angka_kredit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_angka_kredit_pegawai_id'))

    op.drop_table('angka_kredit')
    op.drop_table('ak_jenjang')
    op.drop_table('ak_persentase')
