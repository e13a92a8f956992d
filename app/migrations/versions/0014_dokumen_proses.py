"""dokumen_proses: documents a process made from a template (service ``buat_dokumen``)

Revision ID: 0014_dokumen_proses
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa



revision = '0014_dokumen_proses'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dokumen_proses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=True),
    sa.Column('subject_pegawai_id', sa.Integer(), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('bpmn_id', sa.String(length=128), nullable=False),
    sa.Column('template', sa.String(length=100), nullable=False),
    sa.Column('judul', sa.String(length=255), nullable=False),
    sa.Column('nama_berkas', sa.String(length=191), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instance.id'], name=op.f('fk_dokumen_proses_instance_id_instance'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dokumen_proses'))
    )
    op.create_index(op.f('ix_dokumen_proses_instance_id'), 'dokumen_proses', ['instance_id'], unique=False)
    op.create_index(op.f('ix_dokumen_proses_subject_pegawai_id'), 'dokumen_proses', ['subject_pegawai_id'],
                    unique=False)
    op.create_index('uq_dokumen_proses_job_format', 'dokumen_proses', ['job_id', 'format'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_dokumen_proses_job_format', table_name='dokumen_proses')
    op.drop_index(op.f('ix_dokumen_proses_subject_pegawai_id'), table_name='dokumen_proses')
    op.drop_index(op.f('ix_dokumen_proses_instance_id'), table_name='dokumen_proses')
    op.drop_table('dokumen_proses')
