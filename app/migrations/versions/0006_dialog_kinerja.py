"""dialog kinerja: the dialog, its peserta, and the notes and agreements each side recorded

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 12:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dialog_kinerja',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('pimpinan_id', sa.Integer(), nullable=False),
    sa.Column('topik', sa.String(length=255), nullable=False),
    sa.Column('tanggal', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pimpinan_dikonfirmasi_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('selesai_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_dialog_kinerja_instansi_id_instansi')),
    sa.ForeignKeyConstraint(['pimpinan_id'], ['pegawai.id'], name=op.f('fk_dialog_kinerja_pimpinan_id_pegawai')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dialog_kinerja'))
    )
    with op.batch_alter_table('dialog_kinerja', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dialog_kinerja_instansi_id'), ['instansi_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dialog_kinerja_pimpinan_id'), ['pimpinan_id'], unique=False)

    op.create_table('dialog_peserta',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dialog_id', sa.Integer(), nullable=False),
    sa.Column('pegawai_id', sa.Integer(), nullable=False),
    sa.Column('dikonfirmasi_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['dialog_id'], ['dialog_kinerja.id'], name=op.f('fk_dialog_peserta_dialog_id_dialog_kinerja'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pegawai_id'], ['pegawai.id'], name=op.f('fk_dialog_peserta_pegawai_id_pegawai')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dialog_peserta')),
    sa.UniqueConstraint('dialog_id', 'pegawai_id', name=op.f('uq_dialog_peserta_dialog_id_pegawai_id'))
    )
    with op.batch_alter_table('dialog_peserta', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dialog_peserta_dialog_id'), ['dialog_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dialog_peserta_pegawai_id'), ['pegawai_id'], unique=False)

    op.create_table('dialog_catatan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dialog_id', sa.Integer(), nullable=False),
    sa.Column('penulis_id', sa.Integer(), nullable=False),
    sa.Column('peserta_id', sa.Integer(), nullable=True),
    sa.Column('jenis', sa.String(length=16), nullable=False),
    sa.Column('teks', sa.Text(), nullable=False),
    sa.Column('ubah_skp', sa.Boolean(), nullable=False),
    sa.Column('skp_id', sa.Integer(), nullable=True),
    sa.Column('hasil', sa.Text(), nullable=False),
    sa.Column('urutan', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dialog_id'], ['dialog_kinerja.id'], name=op.f('fk_dialog_catatan_dialog_id_dialog_kinerja'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['penulis_id'], ['pegawai.id'], name=op.f('fk_dialog_catatan_penulis_id_pegawai')),
    sa.ForeignKeyConstraint(['peserta_id'], ['pegawai.id'], name=op.f('fk_dialog_catatan_peserta_id_pegawai')),
    sa.ForeignKeyConstraint(['skp_id'], ['skp.id'], name=op.f('fk_dialog_catatan_skp_id_skp')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dialog_catatan'))
    )
    with op.batch_alter_table('dialog_catatan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dialog_catatan_dialog_id'), ['dialog_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dialog_catatan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dialog_catatan_dialog_id'))
    op.drop_table('dialog_catatan')
    with op.batch_alter_table('dialog_peserta', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dialog_peserta_pegawai_id'))
        batch_op.drop_index(batch_op.f('ix_dialog_peserta_dialog_id'))
    op.drop_table('dialog_peserta')
    with op.batch_alter_table('dialog_kinerja', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dialog_kinerja_pimpinan_id'))
        batch_op.drop_index(batch_op.f('ix_dialog_kinerja_instansi_id'))
    op.drop_table('dialog_kinerja')
