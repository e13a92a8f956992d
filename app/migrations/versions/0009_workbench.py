"""workbench: author of each deployed version, drafts of process owners

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_definition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('author_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_process_definition_author_id_pegawai'), 'pegawai',
                                    ['author_id'], ['id'])
    op.create_table('definition_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.String(length=128), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['pegawai.id'], name=op.f('fk_definition_draft_author_id_pegawai')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_definition_draft')),
    sa.UniqueConstraint('process_id', name=op.f('uq_definition_draft_process_id'))
    )


def downgrade() -> None:
    op.drop_table('definition_draft')
    with op.batch_alter_table('process_definition', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_process_definition_author_id_pegawai'), type_='foreignkey')
        batch_op.drop_column('author_id')
