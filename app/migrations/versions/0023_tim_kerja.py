"""tim kerja: teams per unit and year (ketua, anggota with a period), the team's RHK, its matriks peran hasil,
the ketua's umpan balik on anggota's rencana aksi, and the instansi setting "ketua tim sebagai pejabat penilai"

Revision ID: 0023_tim_kerja
Revises: 0022_pelaporan
"""
from alembic import op
import sqlalchemy as sa


revision = '0023_tim_kerja'
down_revision = "0022_pelaporan"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('instansi', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ketua_tim_penilai', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('tim_kerja',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('unor_id', sa.Integer(), nullable=False),
    sa.Column('tahun', sa.Integer(), nullable=False),
    sa.Column('nama', sa.String(length=255), nullable=False),
    sa.Column('dibuat_oleh_id', sa.Integer(), nullable=True),
    sa.Column('dibuat_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_tim_kerja_instansi_id_instansi')),
    sa.ForeignKeyConstraint(['unor_id'], ['unor.id'], name=op.f('fk_tim_kerja_unor_id_unor')),
    sa.ForeignKeyConstraint(['dibuat_oleh_id'], ['pegawai.id'], name=op.f('fk_tim_kerja_dibuat_oleh_id_pegawai')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tim_kerja')),
    sa.UniqueConstraint('unor_id', 'tahun', 'nama', name=op.f('uq_tim_kerja_unor_id_tahun_nama'))
    )
    op.create_index(op.f('ix_tim_kerja_instansi_id'), 'tim_kerja', ['instansi_id'], unique=False)
    op.create_index(op.f('ix_tim_kerja_unor_id'), 'tim_kerja', ['unor_id'], unique=False)
    op.create_table('tim_kerja_rhk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tim_id', sa.Integer(), nullable=False),
    sa.Column('rhk_id', sa.Integer(), nullable=False),
    sa.Column('urutan', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tim_id'], ['tim_kerja.id'], name=op.f('fk_tim_kerja_rhk_tim_id_tim_kerja'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rhk_id'], ['rhk.id'], name=op.f('fk_tim_kerja_rhk_rhk_id_rhk'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tim_kerja_rhk')),
    sa.UniqueConstraint('tim_id', 'rhk_id', name=op.f('uq_tim_kerja_rhk_tim_id_rhk_id'))
    )
    op.create_index(op.f('ix_tim_kerja_rhk_tim_id'), 'tim_kerja_rhk', ['tim_id'], unique=False)
    op.create_index(op.f('ix_tim_kerja_rhk_rhk_id'), 'tim_kerja_rhk', ['rhk_id'], unique=False)
    op.create_table('anggota_tim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tim_id', sa.Integer(), nullable=False),
    sa.Column('pegawai_id', sa.Integer(), nullable=False),
    sa.Column('peran', sa.String(length=8), nullable=False),
    sa.Column('mulai', sa.Date(), nullable=False),
    sa.Column('selesai', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['tim_id'], ['tim_kerja.id'], name=op.f('fk_anggota_tim_tim_id_tim_kerja'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pegawai_id'], ['pegawai.id'], name=op.f('fk_anggota_tim_pegawai_id_pegawai')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anggota_tim'))
    )
    op.create_index(op.f('ix_anggota_tim_tim_id'), 'anggota_tim', ['tim_id'], unique=False)
    op.create_index(op.f('ix_anggota_tim_pegawai_id'), 'anggota_tim', ['pegawai_id'], unique=False)
    op.create_table('tim_kerja_sel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tim_id', sa.Integer(), nullable=False),
    sa.Column('rhk_id', sa.Integer(), nullable=False),
    sa.Column('pegawai_id', sa.Integer(), nullable=False),
    sa.Column('peran', sa.Text(), nullable=False),
    sa.Column('hasil', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['tim_id'], ['tim_kerja.id'], name=op.f('fk_tim_kerja_sel_tim_id_tim_kerja'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rhk_id'], ['rhk.id'], name=op.f('fk_tim_kerja_sel_rhk_id_rhk'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pegawai_id'], ['pegawai.id'], name=op.f('fk_tim_kerja_sel_pegawai_id_pegawai')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tim_kerja_sel')),
    sa.UniqueConstraint('tim_id', 'rhk_id', 'pegawai_id', name=op.f('uq_tim_kerja_sel_tim_id_rhk_id_pegawai_id'))
    )
    op.create_index(op.f('ix_tim_kerja_sel_tim_id'), 'tim_kerja_sel', ['tim_id'], unique=False)
    op.create_index(op.f('ix_tim_kerja_sel_pegawai_id'), 'tim_kerja_sel', ['pegawai_id'], unique=False)
    op.create_table('tim_kerja_umpan_balik',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tim_id', sa.Integer(), nullable=False),
    sa.Column('realisasi_id', sa.Integer(), nullable=False),
    sa.Column('ketua_id', sa.Integer(), nullable=False),
    sa.Column('teks', sa.Text(), nullable=False),
    sa.Column('diubah_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tim_id'], ['tim_kerja.id'], name=op.f('fk_tim_kerja_umpan_balik_tim_id_tim_kerja'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['realisasi_id'], ['realisasi.id'],
                            name=op.f('fk_tim_kerja_umpan_balik_realisasi_id_realisasi'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ketua_id'], ['pegawai.id'], name=op.f('fk_tim_kerja_umpan_balik_ketua_id_pegawai')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tim_kerja_umpan_balik')),
    sa.UniqueConstraint('tim_id', 'realisasi_id', name=op.f('uq_tim_kerja_umpan_balik_tim_id_realisasi_id'))
    )
    op.create_index(op.f('ix_tim_kerja_umpan_balik_tim_id'), 'tim_kerja_umpan_balik', ['tim_id'], unique=False)
    op.create_index(op.f('ix_tim_kerja_umpan_balik_realisasi_id'), 'tim_kerja_umpan_balik', ['realisasi_id'],
                    unique=False)


def downgrade() -> None:
    for table in ('tim_kerja_umpan_balik', 'tim_kerja_sel', 'anggota_tim', 'tim_kerja_rhk', 'tim_kerja'):
        op.drop_table(table)
    with op.batch_alter_table('instansi', schema=None) as batch_op:
        batch_op.drop_column('ketua_tim_penilai')
