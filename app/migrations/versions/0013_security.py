"""security: per-account session and token versions, so logout, password change and revocation end old copies

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (no batch rebuild of akun on SQLite). Signed session cookies carry
    # session_version, API tokens token_version; bumping one ends every copy.
    op.add_column('akun', sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('akun', sa.Column('token_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('akun') as batch:
        batch.drop_column('token_version')
        batch.drop_column('session_version')
