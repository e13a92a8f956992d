"""admin console at 1,000,000 instances: partial indexes for the lists that were slow, a trigram index for the
name search (PostgreSQL)

Revision ID: 0020_admin_indexes
Revises: 0019_domain16

- errors, newest change first (own instansi / everywhere) and errors, longest waiting first: partial
  indexes on the error rows only (5 % of the table), in the list's exact order (… NULLS LAST, id);
- every status of one instansi, longest waiting first: (instansi_id, waiting_since, id);
- waiting at element X in one's own instansi (without a definition version): a partial index on the waiting
  element rows, with the instance id (and state) so the list's count reads the index only;
- a pegawai by part of the name (``lower(nama) LIKE '%…%'``): a pg_trgm GIN index on PostgreSQL, where
  the extension can be created (it is "trusted" since PostgreSQL 13: the database owner may create it);
  otherwise, and on SQLite, the search stays a scan of the pegawai table.
"""
import logging

from alembic import op
import sqlalchemy as sa


revision = '0020_admin_indexes'
down_revision = '0019_domain16'
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

# name, table, columns (PostgreSQL), columns (SQLite), WHERE
INDEXES = [
    ("ix_instance_error_instansi_updated", "instance", "instansi_id, updated_at DESC NULLS LAST, id",
     "instansi_id, updated_at DESC, id", "status = 'error'"),
    ("ix_instance_error_updated", "instance", "updated_at DESC NULLS LAST, id", "updated_at DESC, id",
     "status = 'error'"),
    ("ix_instance_error_waiting", "instance", "waiting_since, id", "waiting_since, id", "status = 'error'"),
    ("ix_instance_instansi_waiting", "instance", "instansi_id, waiting_since, id", "instansi_id, waiting_since, id",
     None),
    # state as the last column too: PostgreSQL 15 reads only the index for "state = 'waiting'" only when it has it.
    # (Everywhere, the element filter comes with its definition version: ix_instance_element_definition serves it;
    # a partial index on (bpmn_id, since) drew the planner away from it and read 3 times the buffers.)
    ("ix_instance_element_instansi_waiting", "instance_element", "instansi_id, bpmn_id, since, instance_id, state",
     "instansi_id, bpmn_id, since, instance_id, state", "state = 'waiting'"),
]
TRGM_INDEX = "ix_pegawai_nama_trgm"


def _trigram_schema(bind) -> str | None:
    """The schema of pg_trgm, created when missing (in public, so dropping an application schema never drops
    it); None when this server or role cannot have it."""
    found = bind.execute(sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                                 "WHERE e.extname = 'pg_trgm'")).scalar()
    if found:
        return found
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar():
        log.warning("pg_trgm is not available on this server: the name search scans the pegawai table")
        return None
    public = bind.execute(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = 'public'")).scalar()
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm" + (" SCHEMA public" if public else "")))
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm could not be created (%s): the name search scans the pegawai table",
                    str(exc).splitlines()[0])
        return None
    return bind.execute(sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                                "WHERE e.extname = 'pg_trgm'")).scalar()


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    for name, table, pg_columns, sqlite_columns, where in INDEXES:
        columns = pg_columns if postgresql else sqlite_columns
        op.execute(f"CREATE INDEX {name} ON {table} ({columns})" + (f" WHERE {where}" if where else ""))
    if postgresql:
        schema = _trigram_schema(bind)
        if schema:
            op.execute(f'CREATE INDEX {TRGM_INDEX} ON pegawai USING gin (lower(nama) "{schema}".gin_trgm_ops)')


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")
    for name, *_ in reversed(INDEXES):
        op.execute(f"DROP INDEX IF EXISTS {name}")
