"""Snapshot helper: compare text with a stored file; AVREGN_UPDATE_SNAPSHOTS=1 rewrites it.

A new snapshot is written and the test fails once, so nobody accepts one unread."""

from __future__ import annotations

import os
from pathlib import Path

SNAPSHOTS = Path(__file__).parent / "snapshots"


def assert_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("AVREGN_UPDATE_SNAPSHOTS") == "1" or not path.exists():
        path.write_text(text, encoding="utf-8")
        if os.environ.get("AVREGN_UPDATE_SNAPSHOTS") != "1":
            raise AssertionError(f"new snapshot {path} written; read it, then run again")
        return
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its snapshot (AVREGN_UPDATE_SNAPSHOTS=1)"
