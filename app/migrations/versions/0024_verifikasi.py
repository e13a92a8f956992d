"""verifikasi: every archived document (SKP archive, process document) carries a verification code

Revision ID: 0024_verifikasi
Revises: 0023_tim_kerja

``kode_verifikasi`` is printed with its QR code on both files of one archiving; ``verifikasi`` is what the
public page /verifikasi/<kode> shows (frozen at archiving). Copies archived before have neither.
"""
from alembic import op
import sqlalchemy as sa


revision = '0024_verifikasi'
down_revision = "0023_tim_kerja"
branch_labels = None
depends_on = None

TABLES = ("dokumen_arsip", "dokumen_proses")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('kode_verifikasi', sa.String(length=20), nullable=True))
            batch.add_column(sa.Column('verifikasi', sa.JSON(), nullable=True))
        op.create_index(f'ix_{table}_kode_verifikasi', table, ['kode_verifikasi'], unique=False)


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f'ix_{table}_kode_verifikasi', table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column('verifikasi')
            batch.drop_column('kode_verifikasi')
