"""Saves that never lose work (issue 9): the writers' lock, the identity check, symlinks,
permissions, backups, leftovers, signals, outputs that never overwrite by accident.

Process-heavy tests (real concurrent processes, kills) are marked ``slow``.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from save_workers import ACCOUNT, IMPORTED_AMOUNT, NOW, run_action

import avregn.xlsx.save as save
from avregn import actions
from avregn.accounts import write_account_file
from avregn.book import FileBook
from avregn.demo import demo_data
from avregn.workbook import layout
from avregn.workbook.new_book import write_new_workbook
from avregn.workbook.reader import read_workbook
from avregn.workbook.results_sheets import read_status
from avregn.workbook.template import build_template
from avregn.xlsx.errors import WorkbookBusy, WorkbookChanged
from avregn.xlsx.save import backup_path, lock_path
from engine.model import Status

WORKERS = Path(__file__).with_name("save_workers.py")
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions and signals")


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A calculated demo workbook (Beregnet), as bytes."""
    path = tmp_path_factory.mktemp("master") / "avregning.xlsx"
    write_new_workbook(demo_data(), path, backup=False)
    assert actions.beregn(FileBook(path, backup=False), now=NOW).ok
    return path.read_bytes()


@pytest.fixture
def book(tmp_path: Path, master: bytes) -> Path:
    path = tmp_path / "avregning.xlsx"
    path.write_bytes(master)
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(save.TEMP_PREFIX))


def status_of(path: Path) -> Status:
    return read_status(FileBook(path, read_only=True).read_sheet(layout.STATUS.name)).status


def excel_saves(path: Path, data: bytes) -> None:
    """Another program saves the workbook the way Excel does: a new file renamed over it."""
    other = path.with_name("excel-tmp")
    other.write_bytes(data)
    os.replace(other, path)


def another_version(master: bytes, tmp: Path) -> bytes:
    """The workbook as somebody else saved it: one amount changed."""
    from avregn.xlsx.cell_edit import set_cell_values

    src, out = tmp / "src.xlsx", tmp / "out.xlsx"
    src.write_bytes(master)
    set_cell_values(src, out, {"Til fordeling": {layout.COST_LINES.cell("amount", 4): 1}})
    return out.read_bytes()


# --- The identity check: nobody else's save is overwritten -----------------------------------


def test_a_save_landing_mid_run_is_never_overwritten(book: Path, master: bytes,
                                                     tmp_path: Path, monkeypatch) -> None:
    backup_path(book).write_bytes(b"older backup")
    theirs = another_version(master, tmp_path)
    import avregn.workbook.render_xlsx as render

    build = render.build_scratch

    def build_then_excel_saves(contents, path):  # between our read and our rename
        build(contents, path)
        excel_saves(book, theirs)

    monkeypatch.setattr(render, "build_scratch", build_then_excel_saves)
    outcome = actions.beregn(FileBook(book), now=NOW)
    assert not outcome.ok
    assert "annet program" in outcome.problems[0].message
    assert "på nytt" in outcome.problems[0].message
    assert book.read_bytes() == theirs
    assert backup_path(book).read_bytes() == b"older backup"  # a refused save keeps it
    assert leftovers(tmp_path) == []


def test_a_change_after_the_read_refuses_the_commit(book: Path, master: bytes,
                                                    tmp_path: Path) -> None:
    theirs = another_version(master, tmp_path)
    filebook = FileBook(book)
    filebook.read_input()
    excel_saves(book, theirs)
    filebook.set_values({"Brøk": {"A1": "x"}})
    with pytest.raises(WorkbookChanged):
        filebook.commit()
    assert book.read_bytes() == theirs
    assert not backup_path(book).exists()
    # The lock went with the failed commit: the next command runs.
    assert actions.set_do_not_invoice(FileBook(book), "1001-1", True).ok


# --- The lock ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_second_writer_waits_then_is_refused(book: Path, monkeypatch) -> None:
    monkeypatch.setattr(save, "LOCK_TIMEOUT", 0.3)
    before = book.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from filelock import FileLock; "
         "l = FileLock(sys.argv[1]); l.acquire(); print('held', flush=True); time.sleep(30)",
         str(lock_path(book))],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        outcome = actions.beregn(FileBook(book), now=NOW)
        assert time.monotonic() - started >= 0.3
    finally:
        holder.kill()
        holder.wait()
    assert not outcome.ok
    assert "i bruk av en annen avregn-kommando" in outcome.problems[0].message
    assert book.read_bytes() == before
    assert actions.beregn(FileBook(book), now=NOW).ok  # the holder is gone: it runs


def test_failing_actions_release_the_lock(book: Path, monkeypatch) -> None:
    monkeypatch.setattr(save, "LOCK_TIMEOUT", 0.1)
    filebook = FileBook(book)
    assert not actions.set_do_not_invoice(filebook, "9999-1").ok  # refused, nothing staged
    assert actions.set_do_not_invoice(FileBook(book), "1001-1", True).ok


def test_a_book_held_open_keeps_the_lock_until_closed(book: Path, monkeypatch) -> None:
    monkeypatch.setattr(save, "LOCK_TIMEOUT", 0.1)
    with FileBook(book) as held:
        held.read_input()
        with pytest.raises(WorkbookBusy):  # a second writer (another thread) is refused
            _in_thread(lambda: save.EditSession(book))
        assert actions.beregn(held, now=NOW).ok  # its own lock counts; commit releases it
        _in_thread(lambda: save.EditSession(book).close())
    assert actions.beregn(FileBook(book), now=NOW).ok


def _in_thread(run):
    import threading

    errors: list[BaseException] = []

    def target() -> None:
        try:
            run()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def test_two_threads_at_once_lose_nothing(book: Path, master: bytes) -> None:
    """The lock also keeps two threads of one process apart (the add-in's and a task's)."""
    import threading

    for _ in range(2):
        book.write_bytes(master)
        start = threading.Barrier(2)
        outcomes: dict[str, bool] = {}

        def toggle(object_id: str, start: threading.Barrier, outcomes: dict[str, bool]) -> None:
            start.wait()
            outcomes[object_id] = actions.set_do_not_invoice(FileBook(book), object_id, True).ok

        threads = [threading.Thread(target=toggle, args=(o, start, outcomes))
                   for o in ("1001-1", "1003-1")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        flags = {o["id"]: bool(o.get("do_not_invoice"))
                 for o in read_workbook(book).data["contract_objects"]}
        assert outcomes == {"1001-1": True, "1003-1": True}
        assert flags["1001-1"] and flags["1003-1"]


def test_a_missing_workbook_leaves_no_lock_file(tmp_path: Path) -> None:
    outcome = actions.beregn(FileBook(tmp_path / "skrivefeil.xlsx"), now=NOW)
    assert not outcome.ok and "Finner ikke filen" in outcome.problems[0].message
    assert list(tmp_path.iterdir()) == []


def test_readers_do_not_take_the_lock(book: Path, monkeypatch) -> None:
    monkeypatch.setattr(save, "LOCK_TIMEOUT", 0.1)
    with FileBook(book) as writer:
        writer.read_input()
        reader = FileBook(book, read_only=True)
        _in_thread(lambda: reader.read_input())
        with pytest.raises(RuntimeError):
            reader.set_values({"Brøk": {"A1": 1}})


# --- Symlinks, permissions, ownership ---------------------------------------------------------


@POSIX
def test_a_symlinked_workbook_is_saved_at_its_target(book: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "share"
    elsewhere.mkdir()
    target = elsewhere / "ekte.xlsx"
    shutil.move(book, target)
    link = tmp_path / "lenke.xlsx"
    link.symlink_to(target)
    assert actions.set_do_not_invoice(FileBook(link), "1001-1", True).ok
    assert link.is_symlink() and link.resolve() == target
    assert (elsewhere / "ekte.forrige.xlsx").is_file()
    assert not (elsewhere / "ekte.forrige.xlsx").is_symlink()
    assert not (tmp_path / "lenke.forrige.xlsx").exists()
    assert lock_path(link) == elsewhere / ".ekte.xlsx.avregn-lock"
    assert read_workbook(target).data["contract_objects"][0]["do_not_invoice"]


@POSIX
def test_a_read_only_workbook_is_refused_not_replaced(book: Path, tmp_path: Path) -> None:
    backup_path(book).write_bytes(b"older backup")
    os.chmod(book, 0o444)
    before = book.read_bytes()
    outcome = actions.beregn(FileBook(book), now=NOW)
    assert not outcome.ok and "skrivetilgang" in outcome.problems[0].message
    assert book.read_bytes() == before and (book.stat().st_mode & 0o777) == 0o444
    assert backup_path(book).read_bytes() == b"older backup"
    assert leftovers(tmp_path) == []


@POSIX
def test_mode_and_group_are_kept(book: Path) -> None:
    groups = [g for g in os.getgroups() if g != os.getegid()]
    if os.geteuid() == 0:
        groups = groups or [65534]
    if not groups:
        pytest.skip("needs a second group of this user (or root)")
    os.chown(book, -1, groups[0])
    os.chmod(book, 0o660)
    assert actions.beregn(FileBook(book), now=NOW).ok
    st = book.stat()
    assert st.st_gid == groups[0] and (st.st_mode & 0o777) == 0o660
    # Whoever may write the workbook may take its lock (the umask does not shut them out).
    assert (lock_path(book).stat().st_mode & 0o777) == 0o660


@POSIX
@pytest.mark.slow
def test_another_users_file_is_refused_with_dropped_privileges(master: bytes) -> None:
    """Root runs a command as ``nobody`` (a forked child that drops its privileges) on a file
    of root's in a folder everyone may write: refused, and the owner stays root."""
    if os.geteuid() != 0:
        pytest.skip("needs root to drop privileges to nobody")
    import pwd

    nobody = pwd.getpwnam("nobody")
    folder = Path(tempfile.mkdtemp(prefix="avregn-perm-", dir="/tmp"))
    try:
        os.chmod(folder, 0o777)
        theirs, mine = folder / "roots.xlsx", folder / "nobodys.xlsx"
        for path in (theirs, mine):
            path.write_bytes(master)
            os.chmod(path, 0o644)
        os.chown(mine, nobody.pw_uid, nobody.pw_gid)
        warm = folder / "warm.xlsx"
        warm.write_bytes(master)
        assert run_action("beregn", warm).ok  # imports done as root (nobody cannot read /root)
        assert not run_action("beregn", mine).ok  # root may not take over nobody's file
        results = {path.name: _as_nobody(nobody, path) for path in (theirs, mine)}
        assert results == {"roots.xlsx": 1, "nobodys.xlsx": 0}
        assert theirs.read_bytes() == master and theirs.stat().st_uid == 0
        assert backup_path(mine).exists() and mine.stat().st_uid == nobody.pw_uid
        assert not backup_path(theirs).exists()
    finally:
        shutil.rmtree(folder)


def _as_nobody(nobody, path: Path) -> int:
    pid = os.fork()
    if pid == 0:  # the child: drop privileges for good, then save
        code = 3
        try:
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            # Another user has a ledger of their own (none yet), not the test's under /tmp/root.
            os.environ["AVREGN_DB"] = f"sqlite:///{path.parent}/ingen-slik/register.sqlite"
            outcome = run_action("beregn", path)
            code = 0 if outcome.ok else (1 if "skrivetilgang" in outcome.lines()[1] else 2)
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


# --- Backups and leftovers --------------------------------------------------------------------


def test_backup_rotates_only_after_the_new_file_is_in_place(book: Path, monkeypatch) -> None:
    """Windows: renaming over a workbook open in Excel fails; the message says so, and
    neither the workbook nor its backup changed."""
    backup_path(book).write_bytes(b"older backup")
    before = book.read_bytes()
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) == book:
            raise PermissionError(13, "The process cannot access the file")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    outcome = actions.beregn(FileBook(book), now=NOW)
    assert not outcome.ok and "åpen i Excel" in outcome.problems[0].message
    assert book.read_bytes() == before
    assert backup_path(book).read_bytes() == b"older backup"
    assert leftovers(book.parent) == []


def test_a_full_disk_changes_nothing(book: Path, monkeypatch) -> None:
    import errno

    import avregn.workbook.render_xlsx as render

    backup_path(book).write_bytes(b"older backup")
    before = book.read_bytes()

    def disk_full(contents, path):
        path.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(render, "build_scratch", disk_full)
    outcome = actions.beregn(FileBook(book), now=NOW)
    assert not outcome.ok and "No space left" in outcome.problems[0].message
    assert book.read_bytes() == before
    assert backup_path(book).read_bytes() == b"older backup"
    assert leftovers(book.parent) == []


def test_a_backup_that_cannot_be_replaced_does_not_undo_the_save(book: Path,
                                                                 monkeypatch) -> None:
    backup_path(book).write_bytes(b"older backup")
    real_replace = os.replace

    def replace(src, dst):  # Windows: the backup is open in Excel
        if Path(dst) == backup_path(book):
            raise PermissionError(13, "The process cannot access the file")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    assert actions.set_do_not_invoice(FileBook(book), "1001-1", True).ok
    assert read_workbook(book).data["contract_objects"][0]["do_not_invoice"]
    assert backup_path(book).read_bytes() == b"older backup"
    assert leftovers(book.parent) == []


def test_stale_temp_files_of_a_killed_run_are_removed(book: Path) -> None:
    ours = [book.with_name(f"~avregn-0123456789ab-{book.name}"),
            book.with_name(f"~avregn-ba9876543210-{book.name}")]
    ours[0].write_bytes(b"half a workbook")
    ours[1].mkdir()
    others = [book.with_name("~avregn-0123456789ab-annen.xlsx"), book.with_name("~$x.xlsx")]
    for path in others:
        path.write_bytes(b"not ours to remove")
    assert actions.beregn(FileBook(book), now=NOW).ok
    assert not any(p.exists() for p in ours)
    assert all(p.exists() for p in others)
    # Outputs too: what a killed export left beside its file goes with the next export.
    export = book.with_name("konti.xlsx")
    stale = book.with_name(f"~avregn-0123456789ab-{export.name}")
    stale.write_bytes(b"half an export")
    assert actions.export_accounts(FileBook(book), export, today=NOW).ok
    assert not stale.exists()


@POSIX
@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_new_files_follow_the_umask(book: Path, tmp_path: Path, mask: int, mode: int) -> None:
    old = os.umask(mask)
    try:
        assert actions.write_template(tmp_path / "mal.xlsx").ok
        build_template(tmp_path / "mal2.xlsx")  # what `avregn mal` calls today
        assert actions.export_accounts(FileBook(book), tmp_path / "konti.xlsx", today=NOW).ok
        assert actions.new_period(FileBook(book), tmp_path / "neste.xlsx").ok
    finally:
        os.umask(old)
    for name in ("mal.xlsx", "mal2.xlsx", "konti.xlsx", "neste.xlsx"):
        assert ((tmp_path / name).stat().st_mode & 0o777) == mode, name


# --- Outputs never overwrite by accident ------------------------------------------------------


def test_outputs_refuse_existing_files_unless_asked(book: Path, tmp_path: Path) -> None:
    dest = tmp_path / "konti.xlsx"
    dest.write_bytes(b"keep me")
    refused = actions.export_accounts(FileBook(book), dest, today=NOW)
    assert not refused.ok and "finnes allerede" in refused.problems[0].message
    assert dest.read_bytes() == b"keep me"
    assert actions.export_accounts(FileBook(book), dest, today=NOW, overwrite=True).ok
    assert zipfile.is_zipfile(dest)

    for action in (lambda d, o: actions.new_period(FileBook(book), d, overwrite=o),
                   lambda d, o: actions.write_template(d, overwrite=o)):
        taken = tmp_path / "tatt.xlsx"
        taken.write_bytes(b"keep me")
        assert not action(taken, False).ok and taken.read_bytes() == b"keep me"
        assert action(taken, True).ok and zipfile.is_zipfile(taken)


def test_outputs_never_overwrite_the_workbook_itself(book: Path, tmp_path: Path) -> None:
    before = book.read_bytes()
    link = tmp_path / "lenke.xlsx"
    link.symlink_to(book)
    for dest in (book, link, tmp_path / "." / book.name):
        for overwrite in (False, True):
            outcome = actions.export_accounts(FileBook(book), dest, today=NOW,
                                              overwrite=overwrite)
            assert not outcome.ok and "selve arbeidsboken" in outcome.problems[0].message
            outcome = actions.new_period(FileBook(book), dest, overwrite=overwrite)
            assert not outcome.ok and "selve arbeidsboken" in outcome.problems[0].message
    assert book.read_bytes() == before and not backup_path(book).exists()


def test_outputs_to_a_folder_or_a_missing_folder_are_input_problems(book: Path,
                                                                    tmp_path: Path) -> None:
    for dest, words in ((tmp_path, "en mappe"), (tmp_path / "finnes" / "ikke.xlsx",
                                                 "finnes ikke")):
        outcome = actions.export_accounts(FileBook(book), dest, today=NOW)
        assert not outcome.ok and words in outcome.problems[0].message
        assert not actions.new_period(FileBook(book), dest).ok
        assert not actions.write_template(dest).ok
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        book.name]


def test_the_cli_exits_1_for_bad_outputs(book: Path, tmp_path: Path, capsys) -> None:
    from avregn.cli import main

    for ut in (book, tmp_path, tmp_path / "mangler" / "x.xlsx"):
        try:
            code = main(["konti", "eksporter", str(book), "--ut", str(ut)])
        except SystemExit as done:
            code = done.code
        assert code == 1, capsys.readouterr()
        assert "Traceback" not in capsys.readouterr().err
    assert zipfile.is_zipfile(book)


# --- Real processes ---------------------------------------------------------------------------


def _start(book: Path, ready: Path, seconds: float) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, str(WORKERS), str(book), str(ready),
                                str(seconds)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return process


@pytest.mark.slow
def test_a_save_landing_mid_run_in_another_process(book: Path, master: bytes,
                                                   tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    theirs = another_version(master, tmp_path / "other")
    process = _start(book, tmp_path / "ready", 1.0)
    excel_saves(book, theirs)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, (out, err)
    assert "annet program" in out and "Traceback" not in err
    assert book.read_bytes() == theirs
    assert leftovers(tmp_path) == []


@POSIX
@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_leave_nothing_behind(book: Path, master: bytes, tmp_path: Path,
                                                 signum: int) -> None:
    process = _start(book, tmp_path / "ready", 30)
    assert leftovers(tmp_path)  # scratch and temp files exist now
    process.send_signal(signum)
    process.communicate(timeout=60)
    assert process.returncode != 0
    assert leftovers(tmp_path) == []
    assert book.read_bytes() == master and not backup_path(book).exists()


@POSIX
@pytest.mark.slow
def test_kill_9_leaves_the_old_file_whole_and_the_next_run_cleans_up(
        book: Path, master: bytes, tmp_path: Path) -> None:
    process = _start(book, tmp_path / "ready", 30)
    process.kill()
    process.communicate(timeout=60)
    assert leftovers(tmp_path)
    assert book.read_bytes() == master
    assert actions.beregn(FileBook(book), now=NOW).ok
    assert leftovers(tmp_path) == []


@POSIX
@pytest.mark.slow
def test_kill_9_at_any_moment_leaves_the_old_or_the_new_file(book: Path, master: bytes,
                                                             tmp_path: Path) -> None:
    rng = random.Random(9)
    for _ in range(10):
        process = subprocess.Popen(
            [sys.executable, "-c", "import sys; from save_workers import run_action; "
             "run_action('ikke-fakturer:1001-1', __import__('pathlib').Path(sys.argv[1]))",
             str(book)], cwd=WORKERS.parent)
        time.sleep(rng.uniform(0.3, 2.0))
        process.kill()
        process.wait()
        found = read_workbook(book)
        assert not found.problems, found.problems
        flag = found.data["contract_objects"][0].get("do_not_invoice")
        assert book.read_bytes() == master or flag
        book.write_bytes(master)


PAIRS = {
    "beregn+beregn": ("beregn", "beregn"),
    "beregn+status": ("beregn", "laas"),
    "ikke-fakturer+ikke-fakturer": ("ikke-fakturer:1001-1", "ikke-fakturer:1003-1"),
    "beregn+konti importer": ("beregn", "importer"),
}
TRIALS = 20


@pytest.fixture
def accounts_file(tmp_path: Path) -> Path:
    path = tmp_path / "konti.xlsx"
    write_account_file([{"account": ACCOUNT, "name": "Renhold", "amount": IMPORTED_AMOUNT}],
                       path, dated=NOW.date())
    return path


@pytest.mark.slow
@pytest.mark.parametrize("pair", list(PAIRS))
def test_concurrent_commands_never_lose_an_update(pair: str, book: Path, master: bytes,
                                                  accounts_file: Path) -> None:
    """Two processes start the same moment, ``TRIALS`` times: each succeeds or is refused
    clearly, and the file holds every update that was reported as done."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(3)
    results = context.Queue()
    book.with_name("warm-up.xlsx").write_bytes(master)
    workers = [context.Process(target=_worker, args=(kind, str(book), str(accounts_file),
                                                     barrier, results, TRIALS))
               for kind in PAIRS[pair]]
    for w in workers:
        w.start()
    try:
        for trial in range(TRIALS):
            book.write_bytes(master)
            backup_path(book).unlink(missing_ok=True)
            barrier.wait(timeout=120)
            got = [results.get(timeout=120) for _ in workers]
            _check(pair, {kind: (ok, message, problems) for kind, _, ok, message, problems
                          in got}, book, trial)
            barrier.wait(timeout=120)
    finally:
        for w in workers:
            w.join(timeout=30)
            if w.is_alive():
                w.kill()


def _worker(*args) -> None:
    from save_workers import worker

    worker(*args)


def _check(pair: str, outcomes: dict, book: Path, trial: int) -> None:
    for kind, (ok, message, problems) in outcomes.items():
        assert ok is not None, (trial, kind, message)
        if not ok:  # refused: only ever because the other one held the lock
            assert any("i bruk av en annen avregn-kommando" in p for p in problems), (
                trial, kind, message, problems)
    assert leftovers(book.parent) == []
    found = read_workbook(book)
    assert not found.problems, (trial, found.problems)
    status = status_of(book)
    if pair == "beregn+status":
        beregn_ok, beregn_message, _ = outcomes["beregn"]
        lock_ok = outcomes["laas"][0]
        lock_then_calculate = beregn_ok and "Låst →" in beregn_message
        expected = Status.LAAST if lock_ok and not lock_then_calculate else Status.BEREGNET
        assert status is expected, (trial, outcomes)
    elif pair == "ikke-fakturer+ikke-fakturer":
        flags = {o["id"]: bool(o.get("do_not_invoice"))
                 for o in found.data["contract_objects"]}
        for kind, (ok, _, _) in outcomes.items():
            assert flags[kind.split(":", 1)[1]] == ok, (trial, outcomes, flags)
        assert status is Status.BEREGNET
    elif pair == "beregn+konti importer":
        amounts = {str(c["account"]): str(c.get("amount")) for c in found.data["cost_lines"]}
        if outcomes["importer"][0]:
            assert amounts[ACCOUNT] == IMPORTED_AMOUNT, (trial, outcomes)
        assert status is Status.BEREGNET
    else:
        assert status is Status.BEREGNET


@pytest.mark.slow
def test_two_cli_processes_at_once(book: Path) -> None:
    """The command line itself, twice at the same moment on one workbook."""
    command = [sys.executable, "-m", "avregn.cli"]
    for _ in range(3):
        runs = [subprocess.Popen([*command, "ikke-fakturer", str(book), object_id],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for object_id in ("1001-1", "1003-1")]
        codes = [r.wait(timeout=120) for r in runs]
        flags = {o["id"]: bool(o.get("do_not_invoice"))
                 for o in read_workbook(book).data["contract_objects"]}
        assert codes == [0, 0] or 1 in codes
        assert flags["1001-1"] == (codes[0] == 0) and flags["1003-1"] == (codes[1] == 0)
        actions.set_do_not_invoice(FileBook(book), "1001-1", False)
        actions.set_do_not_invoice(FileBook(book), "1003-1", False)


@pytest.fixture(autouse=True)
def _no_lock_leak() -> Iterator[None]:
    yield
    assert all(not lock.is_locked for lock in save._LOCKS.values())
