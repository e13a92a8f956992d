"""form files: the ``berkas_formulir`` table (files uploaded through a schema-built form)

Revision ID: 0016_form_files
Revises: 0015_message_subscription
"""
from alembic import op
import sqlalchemy as sa



revision = '0016_form_files'
down_revision = '0015_message_subscription'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('berkas_formulir',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('kolom', sa.String(length=255), nullable=False),
    sa.Column('nama_asli', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=120), nullable=False),
    sa.Column('ukuran', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('nama_simpan', sa.String(length=80), nullable=False),
    sa.Column('diunggah_oleh_id', sa.Integer(), nullable=False),
    sa.Column('diunggah_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instance.id'], name=op.f('fk_berkas_formulir_instance_id_instance'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['diunggah_oleh_id'], ['pegawai.id'],
                            name=op.f('fk_berkas_formulir_diunggah_oleh_id_pegawai')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_berkas_formulir')),
    sa.UniqueConstraint('nama_simpan', name=op.f('uq_berkas_formulir_nama_simpan'))
    )
    op.create_index(op.f('ix_berkas_formulir_instance_id'), 'berkas_formulir', ['instance_id'], unique=False)
    op.create_index(op.f('ix_berkas_formulir_task_id'), 'berkas_formulir', ['task_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_berkas_formulir_task_id'), table_name='berkas_formulir')
    op.drop_index(op.f('ix_berkas_formulir_instance_id'), table_name='berkas_formulir')
    op.drop_table('berkas_formulir')
