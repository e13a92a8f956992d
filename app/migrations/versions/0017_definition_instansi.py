"""definition_instansi: process definitions and drafts per instansi (NULL: the national default)

Existing versions and drafts become the national default (instansi_id NULL). Version numbers
stay unique per process over every instansi; the content hash is unique per (process, instansi),
with COALESCE(instansi_id, 0) in the index because NULLs never collide in a unique constraint
(an expression index works on SQLite and PostgreSQL alike).

Revision ID: 0017_definition_instansi
Revises: 0016_form_files
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_definition_instansi'
down_revision = '0016_form_files'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_definition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instansi_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_process_definition_instansi_id_instansi'), 'instansi',
                                    ['instansi_id'], ['id'])
        batch_op.drop_constraint('uq_process_definition_process_id_content_hash', type_='unique')
    op.create_index('uq_process_definition_scope_hash', 'process_definition',
                    ['process_id', sa.text('coalesce(instansi_id, 0)'), 'content_hash'], unique=True)
    op.create_index('ix_process_definition_process_instansi', 'process_definition',
                    ['process_id', 'instansi_id', 'version'])
    with op.batch_alter_table('definition_draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instansi_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_definition_draft_instansi_id_instansi'), 'instansi',
                                    ['instansi_id'], ['id'])
        batch_op.drop_constraint('uq_definition_draft_process_id', type_='unique')
    op.create_index('uq_definition_draft_scope', 'definition_draft',
                    ['process_id', sa.text('coalesce(instansi_id, 0)')], unique=True)


def downgrade() -> None:
    # Instansi drafts are dropped (two drafts of one process would clash). Instansi versions stay and become
    # national ones; a version whose content equals another scope's makes the unique constraint fail here.
    op.execute("DELETE FROM definition_draft WHERE instansi_id IS NOT NULL")
    op.drop_index('uq_definition_draft_scope', table_name='definition_draft')
    with op.batch_alter_table('definition_draft', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_definition_draft_instansi_id_instansi'), type_='foreignkey')
        batch_op.drop_column('instansi_id')
        batch_op.create_unique_constraint(batch_op.f('uq_definition_draft_process_id'), ['process_id'])
    op.drop_index('ix_process_definition_process_instansi', table_name='process_definition')
    op.drop_index('uq_process_definition_scope_hash', table_name='process_definition')
    with op.batch_alter_table('process_definition', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_process_definition_instansi_id_instansi'), type_='foreignkey')
        batch_op.drop_column('instansi_id')
        batch_op.create_unique_constraint(batch_op.f('uq_process_definition_process_id_content_hash'),
                                          ['process_id', 'content_hash'])
