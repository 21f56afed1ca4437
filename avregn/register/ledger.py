"""The register database opened: engines per URL, migrations on open, and the ledger's
queries and its one writing transaction. Imported only when a register is really used (its
imports are heavy; a calculation without a ledger file never pays for them)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc

from avregn.register import (
    LedgerConflict,
    RegisterError,
    batch_label,
    batch_number,
    shown_url,
    sqlite_file,
)
from avregn.register.schema import HEAD, export_batch, export_line

MIGRATIONS = Path(__file__).parent / "migrations"


_ENGINES: dict[str, sa.Engine] = {}
_LOCK = threading.Lock()


def _engine(url: str) -> sa.Engine:
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _make_engine(url)
            _ENGINES[url] = engine
        return engine


def forget_engine(url: str) -> None:
    """Close and drop the engine of ``url`` (a database about to be dropped)."""
    from avregn.register import register_url

    with _LOCK:
        engine = _ENGINES.pop(register_url(url), None)
    if engine is not None:
        engine.dispose()


def _make_engine(url: str) -> sa.Engine:
    if sa.engine.make_url(url).get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    # A writer waits up to a minute for another; each transaction takes the write lock at
    # BEGIN (SQLAlchemy's documented recipe for pysqlite, which otherwise begins late), so
    # two exports never interleave and the second one sees the first one's lines.
    engine = sa.create_engine(url, connect_args={"timeout": 60}, poolclass=sa.pool.NullPool)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _migrate(engine: sa.Engine) -> None:
    from alembic import command
    from alembic.config import Config

    with engine.connect() as connection:
        try:
            current = connection.execute(sa.text("SELECT version_num FROM alembic_version")
                                         ).scalar()
        except exc.DBAPIError:
            current = None
            connection.rollback()
        if current == HEAD:
            return
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()


@dataclass(frozen=True)
class OpenExport:
    """The open (not reversed) export of one object."""

    batch: str
    generation: int
    created_at: datetime
    workbook: str
    net: str = "0.00"
    vat: str = "0.00"
    gross: str = "0.00"


class Register:
    """An opened register database (cheap to open again: engines are kept per URL)."""

    def __init__(self, url: str, engine: sa.Engine):
        self.url = url
        self.engine = engine

    @property
    def shown(self) -> str:
        return shown_url(self.url)

    def open_exports(self, keys: Iterable[str]) -> dict[tuple[str, str], OpenExport]:
        """(settlement key, object id) → its open export, for the given settlement keys."""
        wanted = sorted(set(keys))
        out: dict[tuple[str, str], OpenExport] = {}
        if not wanted:
            return out
        line, batch = export_line, export_batch
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                rows = connection.execute(
                    sa.select(line.c.settlement_key, line.c.object_id, line.c.generation,
                              line.c.kind, line.c.batch_id, line.c.workbook,
                              line.c.net, line.c.vat, line.c.gross, batch.c.created_at)
                    .join(batch, batch.c.id == line.c.batch_id)
                    .where(line.c.settlement_key.in_(chunk))
                ).all()
                reversed_ = {(r.settlement_key, r.object_id, r.generation) for r in rows
                             if r.kind == "reversal"}
                for r in rows:
                    if r.kind == "export" and \
                            (r.settlement_key, r.object_id, r.generation) not in reversed_:
                        out[(r.settlement_key, r.object_id)] = OpenExport(
                            batch_label(r.batch_id), r.generation, r.created_at, r.workbook,
                            r.net, r.vat, r.gross)
        return out

    def next_generations(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """(key, object) → how many generations it has had (0 for a never exported one)."""
        keys = {k for k, _ in pairs}
        out: dict[tuple[str, str], int] = {}
        with self.engine.connect() as connection:
            for k in keys:
                for r in connection.execute(
                        sa.select(export_line.c.object_id,
                                  sa.func.max(export_line.c.generation))
                        .where(export_line.c.settlement_key == k)
                        .where(export_line.c.kind == "export")
                        .group_by(export_line.c.object_id)):
                    out[(k, r[0])] = int(r[1]) + 1
        return out

    def write_batch(self, batch: Mapping[str, Any], lines: Sequence[Mapping[str, Any]],
                    archive: Callable[[str], tuple[str, str]]) -> str:
        """Insert the batch and its lines in one transaction; ``archive(label)`` writes the
        files and returns (archive folder, basis JSON). Anything that fails — a line the
        database refuses, a file that cannot be written — leaves no line behind."""
        try:
            with self.engine.begin() as connection:
                inserted = connection.execute(
                    sa.insert(export_batch).values(**batch, archive="", basis="")
                ).inserted_primary_key
                assert inserted is not None
                batch_id = inserted[0]
                if lines:
                    connection.execute(sa.insert(export_line),
                                       [{**line, "batch_id": batch_id} for line in lines])
                label = batch_label(int(batch_id))
                folder, basis = archive(label)
                connection.execute(sa.update(export_batch)
                                   .where(export_batch.c.id == batch_id)
                                   .values(archive=folder, basis=basis))
            return label
        except exc.IntegrityError as error:
            raise LedgerConflict(str(error.orig)) from error
        except exc.OperationalError as error:
            raise RegisterError(f"registeret {self.shown} svarer ikke eller er opptatt: "
                                f"{error.orig}") from error

    def batches(self) -> list[dict[str, Any]]:
        """Every batch, newest first, with its open/reversed line counts."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(export_batch.c.id, export_batch.c.created_at,
                          export_batch.c.user_name, export_batch.c.format,
                          export_batch.c.files, export_batch.c.line_count,
                          export_batch.c.invoice_count, export_batch.c.net, export_batch.c.vat,
                          export_batch.c.gross, export_batch.c.archive)
                .order_by(export_batch.c.id.desc())).all()
            counts: dict[tuple[int, str], int] = {}
            for batch_id, kind, n in connection.execute(
                    sa.select(export_line.c.batch_id, export_line.c.kind, sa.func.count())
                    .group_by(export_line.c.batch_id, export_line.c.kind)):
                counts[(batch_id, kind)] = n
        return [{"batch": batch_label(r.id), "created_at": r.created_at, "user": r.user_name,
                 "format": r.format, "files": json.loads(r.files),
                 "lines": r.line_count, "invoices": r.invoice_count, "net": r.net,
                 "vat": r.vat, "gross": r.gross, "archive": r.archive,
                 "objects": counts.get((r.id, "export"), 0),
                 "reversals": counts.get((r.id, "reversal"), 0)} for r in rows]

    def batch_basis(self, label: str) -> dict[str, Any] | None:
        batch_id = batch_number(label)
        with self.engine.connect() as connection:
            text = connection.execute(sa.select(export_batch.c.basis)
                                      .where(export_batch.c.id == batch_id)).scalar()
        return json.loads(text) if text else None


def open_ledger(url: str, *, create: bool = True) -> Register | None:
    """Open (and migrate) the register at ``url`` (see ``avregn.register.open_register``)."""
    path = sqlite_file(url)
    try:
        missing = path is not None and not path.exists()
    except OSError as error:  # a folder this user may not look into
        raise RegisterError(f"kan ikke lese registeret {path}: {error}") from error
    if path is not None and missing:
        if not create:
            return None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise RegisterError(f"kan ikke lage mappen for registeret {path.parent}: {error}"
                                ) from error
    engine = _engine(url)
    try:
        _migrate(engine)
    except exc.DBAPIError as error:
        raise RegisterError(f"kan ikke åpne registeret {shown_url(url)}: {error.orig}"
                            ) from error
    return Register(url, engine)


