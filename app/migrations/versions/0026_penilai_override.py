"""pejabat penilai set by an admin (history) and the PPK of an instansi; the PPK's decision on an SKP

Revision ID: 0026_penilai_override
Revises: 0025_kegiatan_harian

- ``ppk``: one per instansi: its pegawai row (jenis_asn PPK), jabatan, NIP if any, mode akun | diwakili;
- ``penilai_override``: every change of ``pegawai.penilai_override_id`` (who, when, why, from where);
- ``skp.keputusan_ppk_nomor`` / ``keputusan_ppk_tanggal``: the decision an admin recorded for the PPK.
"""
from alembic import op
import sqlalchemy as sa


revision = '0026_penilai_override'
down_revision = "0025_kegiatan_harian"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ppk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('pegawai_id', sa.Integer(), nullable=False),
    sa.Column('jabatan', sa.String(length=255), nullable=False),
    sa.Column('nip', sa.String(length=18), nullable=True),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('diubah_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('diubah_oleh_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_ppk_instansi_id_instansi')),
    sa.ForeignKeyConstraint(['pegawai_id'], ['pegawai.id'], name=op.f('fk_ppk_pegawai_id_pegawai')),
    sa.ForeignKeyConstraint(['diubah_oleh_id'], ['pegawai.id'], name=op.f('fk_ppk_diubah_oleh_id_pegawai')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ppk')),
    sa.UniqueConstraint('instansi_id', name=op.f('uq_ppk_instansi_id')),
    sa.UniqueConstraint('pegawai_id', name=op.f('uq_ppk_pegawai_id'))
    )
    op.create_table('penilai_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pegawai_id', sa.Integer(), nullable=False),
    sa.Column('penilai_id', sa.Integer(), nullable=True),
    sa.Column('sebelumnya_id', sa.Integer(), nullable=True),
    sa.Column('alasan', sa.String(length=1000), nullable=False),
    sa.Column('sumber', sa.String(length=8), nullable=False),
    sa.Column('ditetapkan_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ditetapkan_oleh_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['pegawai_id'], ['pegawai.id'], name=op.f('fk_penilai_override_pegawai_id_pegawai')),
    sa.ForeignKeyConstraint(['penilai_id'], ['pegawai.id'], name=op.f('fk_penilai_override_penilai_id_pegawai')),
    sa.ForeignKeyConstraint(['sebelumnya_id'], ['pegawai.id'],
                            name=op.f('fk_penilai_override_sebelumnya_id_pegawai')),
    sa.ForeignKeyConstraint(['ditetapkan_oleh_id'], ['pegawai.id'],
                            name=op.f('fk_penilai_override_ditetapkan_oleh_id_pegawai')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_penilai_override'))
    )
    op.create_index(op.f('ix_penilai_override_pegawai_id'), 'penilai_override', ['pegawai_id'], unique=False)
    with op.batch_alter_table('skp', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keputusan_ppk_nomor', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('keputusan_ppk_tanggal', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('skp', schema=None) as batch_op:
        batch_op.drop_column('keputusan_ppk_tanggal')
        batch_op.drop_column('keputusan_ppk_nomor')
    op.drop_index(op.f('ix_penilai_override_pegawai_id'), table_name='penilai_override')
    op.drop_table('penilai_override')
    op.drop_table('ppk')
