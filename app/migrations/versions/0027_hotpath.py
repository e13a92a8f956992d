"""instance state kept inline on PostgreSQL: a row up to 4 KB stays in the table page

Revision ID: 0027_hotpath
Revises: 0026_penilai_override

The state of an approved SKP-planning instance is about 2.1 KB of gzip JSON (issue 15 goal 3). PostgreSQL
moves a value out of line into the TOAST table once the row passes ``toast_tuple_target`` (about 2 KB by
default), so every read of the instance took a second index lookup in the TOAST table and every save wrote
a TOAST chunk. With ``toast_tuple_target = 4080`` rows up to 4 KB stay in the heap page; larger states
(a long process that loops many times) are still moved out of line. SQLite keeps rows whole anyway.
"""
from alembic import op


revision = '0027_hotpath'
down_revision = "0026_penilai_override"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE instance SET (toast_tuple_target = 4080)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE instance RESET (toast_tuple_target)")
