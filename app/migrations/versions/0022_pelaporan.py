"""tukin_persentase: an instansi's percentage of tunjangan kinerja / TPP per monthly predikat

Revision ID: 0022_pelaporan
Revises: 0021_penilaian_catatan
"""
from alembic import op
import sqlalchemy as sa


revision = '0022_pelaporan'
down_revision = "0021_penilaian_catatan"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'tukin_persentase',
        sa.Column('instansi_id', sa.Integer(), sa.ForeignKey('instansi.id'), primary_key=True),
        sa.Column('predikat', sa.String(length=24), primary_key=True),
        sa.Column('persen', sa.Numeric(6, 2), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('tukin_persentase')
