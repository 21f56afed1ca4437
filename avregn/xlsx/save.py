"""Saving a workbook so that nobody's work is ever lost: ours, another command's, Excel's.

A save is a read → decide → write. Everything that can go wrong in between is handled here:

* **One writer at a time.** ``EditSession`` holds an exclusive lock (the ``filelock`` library:
  ``flock`` on POSIX, ``LockFileEx`` on Windows) on a hidden file ``.<name>.avregn-lock`` beside
  the real workbook (symlinks resolved) from the first read until the save is done. A second
  writer waits up to ``LOCK_TIMEOUT`` seconds, then is refused (``WorkbookBusy``). The lock file
  stays behind, empty; that is harmless (deleting it on release would let two writers each lock
  a different inode).
* **Nobody else's save is overwritten.** The file's ``Identity`` (size, mtime, SHA-256 of its
  bytes) is taken when the session starts and compared just before the rename; if Excel, a sync
  client or anything else saved meanwhile, nothing is written (``WorkbookChanged``).
* **Write through, keep ownership.** A symlinked workbook is saved at its target (the link
  stays; lock, temp files and backup live beside the target). A file whose mode bits do not let
  this user write it (owner, group, others — decided the same way for root, who must not take
  over other people's files) is refused, not replaced. The new file gets the old one's mode and
  group; its owner is whoever saved, as with every program that saves by rename.
* **Atomic, with a backup.** The new file is written to a temp file beside the workbook,
  flushed, and renamed over it, so a kill at any moment leaves the old or the new file whole.
  The previous version becomes ``<name>.forrige.<ext>`` only *after* the new file is in place:
  a refused or failed save never costs the backup.
* **No leftovers.** Temp and scratch files are named ``~avregn-<random>-<workbook name>`` and
  removed on every exit path; SIGTERM (and SIGHUP) during a save is turned into ``SystemExit``
  so that happens then too. What a ``kill -9`` leaves is removed by the next session on the
  same workbook (it holds the lock, so no live run can own them).
* **New files** follow the umask, and are never put over an existing file unless asked
  (``overwrite``); ``check_output`` says why an output path cannot be used.
* **Windows**: renaming over a file open in Excel raises ``PermissionError`` there; that and
  Excel's/LibreOffice's own lock files beside the workbook refuse the save with a message.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import shutil
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from filelock import FileLock, Timeout

from avregn.xlsx.errors import Issue, WorkbookBusy, WorkbookChanged, WorkbookError, WorkbookLocked

BACKUP_INFIX = ".forrige"
# Temporary files live next to the workbook so os.replace stays on one file system.
TEMP_PREFIX = "~avregn-"
LOCK_TIMEOUT = 5.0
_TOKEN_HEX = 12


# --------------------------------------------------------------------------------------------
# Names beside the workbook
# --------------------------------------------------------------------------------------------


def real_path(path: Path | str) -> Path:
    """The file a path names, symlinks resolved (the one that is read and replaced)."""
    return Path(os.path.realpath(path))


def backup_path(dest: Path | str) -> Path:
    """Where a save keeps the previous version: ``Avregning.xlsm`` →
    ``Avregning.forrige.xlsm`` beside the real file (same extension, so Excel opens it)."""
    dest = real_path(dest)
    return dest.with_name(f"{dest.stem}{BACKUP_INFIX}{dest.suffix}")


def lock_path(path: Path | str) -> Path:
    """The writers' lock file of a workbook: hidden, beside the real file."""
    real = real_path(path)
    return real.with_name(f".{real.name}.avregn-lock")


def lock_files(dest: Path | str) -> list[Path]:
    """Lock files that Excel (``~$name``) or LibreOffice (``.~lock.name#``) leave next to an
    open workbook, beside the name given and beside the real file."""
    dest = Path(dest)
    found: list[Path] = []
    for place in dict.fromkeys([dest, real_path(dest)]):
        for candidate in (place.with_name("~$" + place.name),
                          place.with_name(f".~lock.{place.name}#")):
            if candidate.exists() and candidate not in found:
                found.append(candidate)
    return found


def _temp_pattern(real: Path) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(TEMP_PREFIX)}[0-9a-f]{{{_TOKEN_HEX}}}-{re.escape(real.name)}")


def new_temp_file(real: Path) -> Path:
    """A new empty file beside ``real`` named ``~avregn-<random>-<name>``, with the mode any
    program's new file gets (0o666 less the umask), not ``mkstemp``'s private 0o600: a workbook
    saved for the first time must be as readable as the user's other files. ``O_EXCL`` makes
    sure nobody else's file is reused."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        path = real.with_name(f"{TEMP_PREFIX}{secrets.token_hex(_TOKEN_HEX // 2)}-{real.name}")
        try:
            fd = os.open(path, flags, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return path
    raise FileExistsError(errno.EEXIST, "Fant ikke et ledig navn for en midlertidig fil")


def remove_stale_temp_files(real: Path) -> list[Path]:
    """Remove what a killed save of ``real`` left beside it. Call only with the lock held."""
    pattern = _temp_pattern(real)
    removed = []
    try:
        entries = list(os.scandir(real.parent))
    except OSError:
        return []
    for entry in entries:
        if pattern.fullmatch(entry.name):
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def scratch_files(dest: Path | str) -> Iterator[Callable[[], Path]]:
    """Hand out scratch file paths beside ``dest`` (see ``new_temp_file``); all are removed on
    leaving, whatever the way out."""
    real = real_path(dest)
    made: list[Path] = []

    def new() -> Path:
        made.append(new_temp_file(real))
        return made[-1]

    try:
        yield new
    finally:
        for path in made:
            _unlink_quietly(path)


# --------------------------------------------------------------------------------------------
# Identity: has anybody saved the file since we read it?
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Identity:
    size: int
    mtime_ns: int
    sha256: str


def identity_of(path: Path | str) -> Identity | None:
    """Size, modification time and hash of the file's bytes (None: there is no file)."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            digest = hashlib.sha256()
            for chunk in iter(lambda: fh.read(1024 * 1024), b""):
                digest.update(chunk)
    except (FileNotFoundError, IsADirectoryError):
        return None
    return Identity(st.st_size, st.st_mtime_ns, digest.hexdigest())


# --------------------------------------------------------------------------------------------
# Permissions
# --------------------------------------------------------------------------------------------


def may_write(path: Path | str, st: os.stat_result | None = None) -> bool:
    """Do the file's mode bits let this user write it? Decided from the owner, the group and
    the user's groups, the same way for root: a save must never take over a file that its
    owner made read-only, or that belongs to somebody else and is not shared for writing."""
    st = st or os.stat(path)
    if sys.platform == "win32":
        return bool(st.st_mode & stat.S_IWRITE)  # the read-only attribute
    if st.st_uid == os.geteuid():
        bit = stat.S_IWUSR
    elif st.st_gid in {os.getegid(), *os.getgroups()}:
        bit = stat.S_IWGRP
    else:
        bit = stat.S_IWOTH
    if not st.st_mode & bit:
        return False
    effective = os.access in os.supports_effective_ids
    return os.access(path, os.W_OK, effective_ids=effective)  # ACLs, read-only mounts


def _keep_ownership(tmp: Path, st: os.stat_result) -> None:
    """Give the new file the old one's group and mode (the group first: chown may clear
    set-id bits)."""
    if sys.platform != "win32":
        with contextlib.suppress(OSError):
            if os.stat(tmp).st_gid != st.st_gid:
                os.chown(tmp, -1, st.st_gid)
    with contextlib.suppress(OSError):
        os.chmod(tmp, stat.S_IMODE(st.st_mode))


# --------------------------------------------------------------------------------------------
# The writers' lock
# --------------------------------------------------------------------------------------------

# One FileLock per lock file and process: a second instance would open the file again, and
# flock/LockFileEx locks of one process on two descriptors shut each other out. The instance
# counts nested acquires per thread (FileBook's session, then the save inside it).
_LOCKS: dict[str, FileLock] = {}
_LOCKS_GUARD = threading.Lock()
if hasattr(os, "register_at_fork"):  # a forked child holds no lock of its parent's
    os.register_at_fork(after_in_child=_LOCKS.clear)


def _lock_mode(real: Path) -> int:
    """Whoever may write the workbook may take its lock: the lock file gets the workbook's
    read/write bits (the umask would otherwise shut a group or colleague out of a shared
    folder's lock, and with it out of the workbook)."""
    try:
        return (stat.S_IMODE(os.stat(real).st_mode) & 0o666) | 0o600
    except OSError:
        return 0o644


def _file_lock(real: Path) -> FileLock:
    key = os.path.normcase(str(lock_path(real)))
    with _LOCKS_GUARD:
        if key not in _LOCKS:
            _LOCKS[key] = FileLock(key, mode=_lock_mode(real), preserve_lock_file=True)
        return _LOCKS[key]


def _hide(path: Path) -> None:
    """Windows does not hide dot files: give the lock file the hidden attribute there."""
    if sys.platform == "win32":
        import ctypes

        with contextlib.suppress(Exception):
            ctypes.windll.kernel32.SetFileAttributesW(str(path), 0x2)  # type: ignore[attr-defined]


def _busy(real: Path, timeout: float) -> WorkbookBusy:
    return WorkbookBusy(
        Issue(
            real.name,
            f"Arbeidsboken er i bruk av en annen avregn-kommando (ventet i {timeout:g} "
            "sekunder). Vent til den er ferdig, og kjør kommandoen på nytt.",
        )
    )


class WriterLock:
    """The exclusive lock of one workbook, held from the first read to the end of the save.

    If the lock file cannot be made or opened (a folder this user may only read, a lock file
    another user made without write access for us), the lock is skipped: a save there fails
    and says why, or is still guarded by the identity check.
    """

    def __init__(self, path: Path | str, *, timeout: float | None = None):
        timeout = LOCK_TIMEOUT if timeout is None else timeout
        self.real = real_path(path)
        self._lock: FileLock | None = _file_lock(self.real)
        try:
            self._lock.acquire(timeout=timeout)
        except Timeout:
            raise _busy(self.real, timeout) from None
        except OSError:
            self._lock = None  # unwritable folder: reading is still allowed
        else:
            _hide(lock_path(self.real))

    @property
    def held(self) -> bool:
        return self._lock is not None

    def release(self) -> None:
        lock, self._lock = getattr(self, "_lock", None), None
        if lock is not None:
            with contextlib.suppress(Exception):
                lock.release()

    def __enter__(self) -> WriterLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:
        self.release()


# --------------------------------------------------------------------------------------------
# Signals: SIGTERM and SIGHUP run the cleanup too
# --------------------------------------------------------------------------------------------


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def exits_cleanly() -> Iterator[None]:
    """While inside, SIGTERM/SIGHUP raise ``SystemExit`` (so ``finally`` blocks remove temp
    files) instead of killing the process on the spot. Only where the default would kill."""
    installed: list[tuple[int, Any]] = []
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            signum = getattr(signal, name, None)
            if signum is None:
                continue
            with contextlib.suppress(ValueError, OSError):
                if signal.getsignal(signum) == signal.SIG_DFL:
                    installed.append((signum, signal.signal(signum, _terminate)))
    try:
        yield
    finally:
        for signum, previous in installed:
            with contextlib.suppress(ValueError, OSError):
                signal.signal(signum, previous)


# --------------------------------------------------------------------------------------------
# Outputs: new files that must not land on something by accident
# --------------------------------------------------------------------------------------------


def _same_file(a: Path, b: Path) -> bool:
    if real_path(a) == real_path(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_output(dest: Path | str, *, overwrite: bool = False,
                 protected: Iterable[Path | None] = ()) -> list[Issue]:
    """Why ``dest`` cannot take a new file (empty: go ahead). ``protected`` files (the
    workbook being read) are never overwritten, ``overwrite`` or not."""
    dest = Path(dest)
    where = str(dest)
    if dest.is_dir():
        return [Issue(where, "Dette er en mappe. Oppgi et filnavn, for eksempel "
                             f"«{dest / 'konti.xlsx'}».")]
    if not dest.parent.is_dir():
        return [Issue(where, f"Mappen «{dest.parent}» finnes ikke. Opprett den, eller velg "
                             "en annen mappe.")]
    for other in protected:
        if other is not None and dest.exists() and _same_file(dest, other):
            return [Issue(where, "Dette er selve arbeidsboken; den skal ikke skrives over. "
                                 "Velg et annet filnavn.")]
    if dest.exists() and not overwrite:
        return [Issue(where, "Filen finnes allerede. Velg et annet navn, eller be om å "
                             "overskrive den (--overskriv).")]
    return []


# --------------------------------------------------------------------------------------------
# The save
# --------------------------------------------------------------------------------------------


class _Unchecked:
    """``save_atomic(expected=UNCHECKED)``: compare with the file as the save found it."""


UNCHECKED = _Unchecked()


def _locked(dest: Path, other: Path | None = None) -> WorkbookLocked:
    which = f"Sikkerhetskopien «{other.name}»" if other else "Arbeidsboken"
    return WorkbookLocked(
        Issue(
            dest.name,
            f"{which} er åpen i Excel eller et annet program, eller skrivebeskyttet. "
            "Lukk den og prøv igjen.",
        )
    )


def _read_only(dest: Path) -> WorkbookLocked:
    return WorkbookLocked(
        Issue(
            dest.name,
            "Du har ikke skrivetilgang til filen (den er skrivebeskyttet, eller den tilhører "
            "en annen bruker). Den er ikke endret. Fjern skrivebeskyttelsen eller be eieren om "
            "tilgang, og prøv igjen.",
        )
    )


def _changed(dest: Path) -> WorkbookChanged:
    return WorkbookChanged(
        Issue(
            dest.name,
            "Et annet program (Excel, LibreOffice, en synkroniseringstjeneste …) har endret "
            "arbeidsboken mens avregn arbeidet, så ingenting er lagret (endringen er beholdt). "
            "Kjør kommandoen på nytt.",
        )
    )


def save_atomic(
    write: Callable[[Path], None],
    dest: Path | str,
    *,
    backup: bool = True,
    expected: Identity | _Unchecked | None = UNCHECKED,
    overwrite: bool = True,
    lock: bool = True,
) -> Path | None:
    """Let ``write(tmp)`` produce the new file, then put it at ``dest`` atomically.

    ``dest`` may be a symlink: its target is replaced. ``expected`` is the file's identity when
    the caller read it (None: there was no file); by default, the file as this call found it.
    If it differs just before the rename, nothing is written (``WorkbookChanged``). With
    ``backup`` the replaced file is kept as ``backup_path(dest)``, once the new one is in place.
    ``overwrite=False`` refuses an existing ``dest`` (the new file is linked in exclusively).
    ``lock`` takes the writers' lock for the save (reentrant: a session's lock counts).
    Returns the backup's path (None if none was made).
    Raises ``WorkbookLocked`` (open, read-only, busy), ``WorkbookChanged``, ``WorkbookError``;
    on any failure ``dest`` and its backup are unchanged and no temp file is left.
    """
    dest = Path(dest)
    real = real_path(dest)
    folder = real.parent
    if real.is_dir():
        raise WorkbookError(Issue(dest.name, "Dette er en mappe, ikke en fil."))
    if not folder.is_dir():
        raise WorkbookError(Issue(dest.name, f"Mappen «{folder}» finnes ikke."))
    locks = lock_files(dest)
    if locks:
        raise WorkbookLocked(
            Issue(
                dest.name,
                "Arbeidsboken er åpen i Excel eller LibreOffice. Lagre og lukk den, og prøv "
                f"igjen. Er den ikke åpen, slett den skjulte filen «{locks[0].name}» i samme "
                "mappe (den blir liggende igjen hvis Excel krasjet).",
            )
        )
    writer = WriterLock(real) if lock else None
    try:
        if writer is not None and writer.held:
            remove_stale_temp_files(real)
        before = identity_of(real) if isinstance(expected, _Unchecked) else expected
        return _save(write, dest, real, before, backup=backup, overwrite=overwrite)
    finally:
        if writer is not None:
            writer.release()


def _save(write: Callable[[Path], None], dest: Path, real: Path, before: Identity | None, *,
          backup: bool, overwrite: bool) -> Path | None:
    try:
        st: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        st = None
    if st is not None and not overwrite:
        raise WorkbookError(Issue(dest.name, "Filen finnes allerede. Velg et annet navn, eller "
                                             "be om å overskrive den (--overskriv)."))
    if st is not None and not may_write(real, st):
        raise _read_only(dest)
    with exits_cleanly():
        try:
            tmp = new_temp_file(real)
        except PermissionError as exc:
            raise WorkbookError(
                Issue(dest.name, f"Har ikke skrivetilgang til mappen «{real.parent}».")
            ) from exc
        except OSError as exc:
            raise _os_error(dest, exc) from exc
        old: Path | None = None
        try:
            write(tmp)
            with tmp.open("r+b") as fh:
                os.fsync(fh.fileno())
            if st is not None:
                _keep_ownership(tmp, st)
            if identity_of(real) != before:
                raise _changed(dest)
            if st is not None and backup:
                old = _hold_old_version(real)
            _put_in_place(tmp, real, dest, overwrite=overwrite)
            _fsync_dir(real.parent)
            if old is None:
                return None
            made = _rotate_backup(old, real)
            old = None
            return made
        except WorkbookError:
            raise
        except OSError as exc:
            raise _os_error(dest, exc) from exc
        finally:
            _unlink_quietly(tmp)
            if old is not None:
                _unlink_quietly(old)


def _os_error(dest: Path, exc: OSError) -> WorkbookError:
    return WorkbookError(
        Issue(dest.name, f"Kunne ikke lagre filen: {exc.strerror or exc}.")
    )


def _hold_old_version(real: Path) -> Path:
    """A temp name for the current file's bytes (a hard link costs nothing; else a copy), to
    become the backup once the new file is in place."""
    old = new_temp_file(real)
    old.unlink()
    try:
        os.link(real, old)
    except OSError:
        shutil.copy2(real, old)
    return old


def _put_in_place(tmp: Path, real: Path, dest: Path, *, overwrite: bool) -> None:
    if not overwrite:
        try:
            os.link(tmp, real)  # fails if somebody made the file meanwhile
            return
        except FileExistsError:
            raise WorkbookError(Issue(dest.name, "Filen finnes allerede. Velg et annet navn, "
                                                 "eller be om å overskrive den.")) from None
        except OSError:
            if real.exists():  # a file system without hard links: check, then rename
                raise WorkbookError(Issue(dest.name, "Filen finnes allerede.")) from None
    try:
        os.replace(tmp, real)
    except PermissionError as exc:
        # Windows: a file open in Excel cannot be replaced.
        raise _locked(dest) from exc


def _rotate_backup(old: Path, real: Path) -> Path | None:
    """The old version becomes the backup; if the backup cannot be replaced (open in Excel),
    the older backup stays and the save still stands."""
    target = backup_path(real)
    try:
        os.replace(old, target)
    except OSError:
        _unlink_quietly(old)
        return None
    return target


def _fsync_dir(folder: Path) -> None:
    if sys.platform == "win32":
        return  # directories cannot be opened for fsync on Windows; NTFS journals the rename
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


# --------------------------------------------------------------------------------------------
# A session: read → decide → write under the lock
# --------------------------------------------------------------------------------------------


class EditSession:
    """One read → decide → write of a workbook: holds the writers' lock from creation to
    ``close``, removes what killed runs left, and remembers the file's identity as read so the
    save refuses to overwrite a change made meanwhile."""

    def __init__(self, path: Path | str, *, timeout: float | None = None):
        self.path = Path(path)
        self.real = real_path(self.path)
        self._lock: WriterLock | None = WriterLock(self.real, timeout=timeout)
        if self._lock.held:
            remove_stale_temp_files(self.real)
        self.identity = identity_of(self.real)

    def save(self, write: Callable[[Path], None], *, backup: bool = True) -> Path | None:
        made = save_atomic(write, self.path, backup=backup, expected=self.identity)
        self.identity = identity_of(self.real)
        return made

    def close(self) -> None:
        lock, self._lock = getattr(self, "_lock", None), None
        if lock is not None:
            lock.release()

    def __enter__(self) -> EditSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()
