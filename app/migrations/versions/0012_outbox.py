"""outbox: the ``job`` table (work run after commit) and one archive copy per approval

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=191), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=True),
    sa.Column('instansi_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('claimed_by', sa.String(length=191), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
    sa.UniqueConstraint('key', name=op.f('uq_job_key'))
    )
    op.create_index(op.f('ix_job_ref'), 'job', ['ref'], unique=False)
    op.create_index(op.f('ix_job_instansi_id'), 'job', ['instansi_id'], unique=False)
    op.create_index('ix_job_status_next_attempt_at', 'job', ['status', 'next_attempt_at'], unique=False)
    # A plain column (no foreign key: SQLite would have to rebuild the table): existing copies keep NULL.
    op.add_column('dokumen_arsip', sa.Column('riwayat_id', sa.Integer(), nullable=True))
    op.create_index('uq_dokumen_arsip_riwayat_id', 'dokumen_arsip', ['riwayat_id', 'format'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_dokumen_arsip_riwayat_id', table_name='dokumen_arsip')
    with op.batch_alter_table('dokumen_arsip') as batch_op:
        batch_op.drop_column('riwayat_id')
    op.drop_index('ix_job_status_next_attempt_at', table_name='job')
    op.drop_index(op.f('ix_job_instansi_id'), table_name='job')
    op.drop_index(op.f('ix_job_ref'), table_name='job')
    op.drop_table('job')
