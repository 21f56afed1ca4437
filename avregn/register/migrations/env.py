"""Alembic's environment for the export ledger: run programmatically by
``avregn.register.open_register`` on the connection it opened (never from a command line)."""

from __future__ import annotations

from alembic import context

from avregn.register.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Two processes opening a fresh database at once: one migrates, the other waits.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(4711013)")
    context.run_migrations()
