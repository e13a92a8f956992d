from alembic import context

from app import models  # noqa: F401
from core.db import Base
from app.migrate import check_foreign_keys, sqlite_foreign_keys_off

engine = context.config.attributes["engine"]
# write=True: on SQLite the transaction takes the write lock up front (BEGIN IMMEDIATE, see core/db.py), so two
# upgrades started at once run one after the other.
with engine.connect().execution_options(write=True) as connection, sqlite_foreign_keys_off(connection):
    # One transaction for the whole upgrade on SQLite too (our engine emits BEGIN itself, so its DDL is
    # transactional): a failed migration or foreign key check leaves the database at its old revision.
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=engine.dialect.name == "sqlite", transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()
        check_foreign_keys(connection)
    connection.commit()
