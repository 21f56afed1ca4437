"""The register database: today the export ledger of the invoice basis (spec §8).

Why a database: the ledger must know every object ever invoiced, across workbooks, copies of
workbooks and colleagues working at the same time. SQLAlchemy 2 talks to a SQLite file in the
user's data folder by default, or to any URL (``AVREGN_DB``, ``register=``/``--register``) —
``postgresql://…`` for a team. The schema comes from Alembic migrations shipped with the
package and run on open, so an old ledger is upgraded by the first command that opens it.

A line per exported object is keyed by the settlement key of spec §4 and the object id; two
partial unique indexes make the database itself refuse a second export of the same object
(``LedgerConflict``), whoever asks and however the workbook was copied. Posted lines never
change: a re-export adds a reversal line and a new line of the next generation.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc

from avregn.register.schema import HEAD, export_batch, export_line

ENV_VAR = "AVREGN_DB"
MIGRATIONS = Path(__file__).parent / "migrations"


class RegisterError(Exception):
    """The register could not be opened or written; the message is for the user."""


class LedgerConflict(RegisterError):
    """The database refused a line: the object was exported at the same moment elsewhere."""


def default_url() -> str:
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("avregn", appauthor=False))
    return f"sqlite:///{folder / 'register.sqlite'}"


def register_url(register: str | os.PathLike[str] | None = None) -> str:
    """The URL in force: the argument, else ``AVREGN_DB``, else the user's SQLite file.
    A plain path is taken as a SQLite file."""
    value = str(register) if register is not None else os.environ.get(ENV_VAR) or default_url()
    if "://" not in value:
        value = f"sqlite:///{Path(value).expanduser().resolve()}"
    if value.startswith(("postgresql://", "postgres://")):
        value = "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def shown_url(url: str) -> str:
    """The URL without a password, for messages."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def _sqlite_file(url: str) -> Path | None:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database \
            or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


_ENGINES: dict[str, sa.Engine] = {}
_LOCK = threading.Lock()


def _engine(url: str) -> sa.Engine:
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _make_engine(url)
            _ENGINES[url] = engine
        return engine


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


def batch_label(batch_id: int) -> str:
    """What the workbook's *Eksportert* column shows: FG-000042."""
    return f"FG-{batch_id:06d}"


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def settlement_key(property_object: str, group: str, period_start: date,
                   interval_months: int) -> str:
    """Spec §4: (property object, group, period start, interval), the texts trimmed, inner
    whitespace collapsed and casefolded; as JSON text so no separator can be ambiguous."""
    return json.dumps([_fold(property_object), _fold(group), period_start.isoformat(),
                       int(interval_months)], ensure_ascii=False)


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
                              batch.c.created_at)
                    .join(batch, batch.c.id == line.c.batch_id)
                    .where(line.c.settlement_key.in_(chunk))
                ).all()
                reversed_ = {(r.settlement_key, r.object_id, r.generation) for r in rows
                             if r.kind == "reversal"}
                for r in rows:
                    if r.kind == "export" and \
                            (r.settlement_key, r.object_id, r.generation) not in reversed_:
                        out[(r.settlement_key, r.object_id)] = OpenExport(
                            batch_label(r.batch_id), r.generation, r.created_at, r.workbook)
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
                batch_id = connection.execute(
                    sa.insert(export_batch).values(**batch, archive="", basis="")
                ).inserted_primary_key[0]
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
        batch_id = int(label.removeprefix("FG-"))
        with self.engine.connect() as connection:
            text = connection.execute(sa.select(export_batch.c.basis)
                                      .where(export_batch.c.id == batch_id)).scalar()
        return json.loads(text) if text else None


def open_register(register: str | os.PathLike[str] | None = None, *, create: bool = True
                  ) -> Register | None:
    """Open (and migrate) the register. With ``create=False`` a SQLite file that does not
    exist yet is not made: None (nothing was ever exported there)."""
    url = register_url(register)
    path = _sqlite_file(url)
    if path is not None and not path.exists():
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


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USERNAME") or os.environ.get("USER") or "ukjent"
