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
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from avregn.register.ledger import Register


ENV_VAR = "AVREGN_DB"


class RegisterError(Exception):
    """The register could not be opened or written; the message is for the user."""


class LedgerConflict(RegisterError):
    """The database refused a line: the object was exported at the same moment elsewhere."""


def batch_number(label: str) -> int:
    return int(label.removeprefix("FG-"))


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


def sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for other databases and in-memory ones)."""
    if not url.startswith("sqlite:///"):
        return None
    name = url[len("sqlite:///"):].split("?", 1)[0]
    if not name or name == ":memory:":
        return None
    return Path(name)


def ledger_exists(register: str | os.PathLike[str] | None = None) -> bool:
    """Whether there may be anything in the register, without opening it (a SQLite file
    that does not exist has never recorded an export); cheap, for every calculation."""
    path = sqlite_file(register_url(register))
    return path is None or path.exists()


def open_register(register: str | os.PathLike[str] | None = None, *, create: bool = True
                  ) -> Register | None:
    """Open (and migrate) the register. With ``create=False`` a SQLite file that does not
    exist yet is not made: None (nothing was ever exported there)."""
    from avregn.register.ledger import open_ledger

    return open_ledger(register_url(register), create=create)


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


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USERNAME") or os.environ.get("USER") or "ukjent"
