"""admin console: derived columns of instance and the instance_element table

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instansi_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('unor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('subject_pegawai_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_instance_instansi_id_instansi'), 'instansi', ['instansi_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_instance_unor_id_unor'), 'unor', ['unor_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_instance_subject_pegawai_id_pegawai'), 'pegawai',
                                    ['subject_pegawai_id'], ['id'])
        batch_op.create_index('ix_instance_instansi_status_waiting', ['instansi_id', 'status', 'waiting_since'])
        batch_op.create_index('ix_instance_status_waiting', ['status', 'waiting_since'])
        batch_op.create_index('ix_instance_waiting', ['waiting_since', 'id'])
        batch_op.create_index('ix_instance_definition_status', ['definition_id', 'status'])
        batch_op.create_index('ix_instance_unor_status', ['unor_id', 'status'])
        batch_op.create_index('ix_instance_subject', ['subject_pegawai_id'])

    op.create_table('instance_element',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('definition_id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=True),
    sa.Column('bpmn_id', sa.String(length=128), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['definition_id'], ['process_definition.id'],
                            name=op.f('fk_instance_element_definition_id_process_definition')),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_instance_element_instansi_id_instansi')),
    sa.ForeignKeyConstraint(['instance_id'], ['instance.id'], name=op.f('fk_instance_element_instance_id_instance'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instance_element'))
    )
    with op.batch_alter_table('instance_element', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instance_element_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('ix_instance_element_definition', ['definition_id', 'bpmn_id', 'state', 'since'])
        batch_op.create_index('ix_instance_element_instansi',
                              ['instansi_id', 'definition_id', 'bpmn_id', 'state', 'since'])

    op.create_table('admin_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('instansi_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('filter', sa.JSON(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('results', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['pegawai.id'], name=op.f('fk_admin_batch_actor_id_pegawai')),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_admin_batch_instansi_id_instansi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_batch'))
    )

    # Instances started before this revision: who they are about, from the domain rows their
    # business key names (skp:<id>, penilaian:<id>); where they stand is filled at their next save.
    op.execute("""UPDATE instance SET
        instansi_id = (SELECT s.instansi_id FROM skp s WHERE 'skp:' || s.id = instance.business_key),
        unor_id = (SELECT s.unor_id FROM skp s WHERE 'skp:' || s.id = instance.business_key),
        subject_pegawai_id = (SELECT s.pegawai_id FROM skp s WHERE 'skp:' || s.id = instance.business_key)
        WHERE business_key LIKE 'skp:%'""")
    op.execute("""UPDATE instance SET
        instansi_id = (SELECT s.instansi_id FROM skp s JOIN penilaian p ON p.skp_id = s.id
                       WHERE 'penilaian:' || p.id = instance.business_key),
        unor_id = (SELECT s.unor_id FROM skp s JOIN penilaian p ON p.skp_id = s.id
                   WHERE 'penilaian:' || p.id = instance.business_key),
        subject_pegawai_id = (SELECT s.pegawai_id FROM skp s JOIN penilaian p ON p.skp_id = s.id
                              WHERE 'penilaian:' || p.id = instance.business_key)
        WHERE business_key LIKE 'penilaian:%'""")


def downgrade() -> None:
    op.drop_table('admin_batch')
    with op.batch_alter_table('instance_element', schema=None) as batch_op:
        batch_op.drop_index('ix_instance_element_instansi')
        batch_op.drop_index('ix_instance_element_definition')
        batch_op.drop_index(batch_op.f('ix_instance_element_instance_id'))
    op.drop_table('instance_element')
    with op.batch_alter_table('instance', schema=None) as batch_op:
        for name in ('ix_instance_subject', 'ix_instance_unor_status', 'ix_instance_definition_status',
                     'ix_instance_waiting', 'ix_instance_status_waiting', 'ix_instance_instansi_status_waiting'):
            batch_op.drop_index(name)
        batch_op.drop_constraint(batch_op.f('fk_instance_subject_pegawai_id_pegawai'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_instance_unor_id_unor'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_instance_instansi_id_instansi'), type_='foreignkey')
        for col in ('waiting_since', 'subject_pegawai_id', 'unor_id', 'instansi_id'):
            batch_op.drop_column(col)
