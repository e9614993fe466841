"""One run at a time per database: an exclusive ``flock`` on ``<db>.lock`` taken when a run starts.

DuckDB itself only refuses a second writer when it opens the file, which a run does at its very
end; the lock makes a second run stop at once instead of after minutes of matching. The lock
goes with the process: a run that crashes or is killed leaves nothing to clean up. While a run
holds it, files it creates are private (umask 077): the database and the outputs hold personal
data, and so is every folder it creates (0700), the database's own folder included.

``exclusive_run`` may be nested in one process (the CLI takes the lock before it starts Prefect,
the flow takes it again): only the outermost call locks.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from contracts import DoisoatError
from pipelines.privacy import install_redaction, make_private, private_files


class RunLocked(DoisoatError):
    """Another run holds the database."""


def lock_path(db: Path) -> Path:
    """``<db>.lock`` beside the database."""
    db = Path(db)
    return db.with_name(db.name + ".lock")


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    return f" ({text})" if text else ""


@contextmanager
def run_lock(db: Path) -> Iterator[Path]:
    """Hold ``<db>.lock`` exclusively for the block; RunLocked at once if another process holds it."""
    db = Path(db)
    with private_files():
        db.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = lock_path(db)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(f"{db.name}: another doisoat run is using this database{_holder(path)}; "
                            "wait for it to finish, then run again") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}, started {datetime.now():%Y-%m-%d %H:%M:%S}".encode())
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


_HELD: set[str] = set()  # lock files this process holds through exclusive_run


@contextmanager
def exclusive_run(db: Path) -> Iterator[None]:
    """The lock plus private file creation; on exit the database file is made private too.
    Re-entrant within a process: a nested call for the same database holds nothing more."""
    db = Path(db)
    key = os.path.abspath(lock_path(db))
    if key in _HELD:
        yield
        return
    install_redaction()
    with private_files(), run_lock(db):
        _HELD.add(key)
        try:
            yield
        finally:
            _HELD.discard(key)
            make_private(db, db.with_name(db.name + ".wal"))
