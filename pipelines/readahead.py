"""Input files read while Prefect starts. ``start(sources)`` reads each source in a background
thread (``stages.ingest_stage``, once, no retries) while the command waits for Prefect's server;
the flow's ingest task then ``take``s the result instead of reading the file again, when the file
is unchanged since (same size and modification time) and was read without a problem. Anything
else (a file that failed, changed or was never read ahead) is read by the task as always, with
its retries. Results hold personal data: they stay in this process and are dropped once taken.
"""

from __future__ import annotations

import concurrent.futures
import os
from pathlib import Path

from pipelines.ingest import SourceFile

_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pending: dict[tuple, tuple[tuple[int, int] | None, concurrent.futures.Future]] = {}


def _key(src: SourceFile) -> tuple:
    return (src.source, str(Path(src.path).resolve()), src.encoding, src.sheet,
            tuple(sorted(src.header_overrides.items())))


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _read(src: SourceFile):
    from pipelines.stages import ingest_stage

    try:
        result = ingest_stage(src, 0, 0.0)
    except Exception:  # noqa: BLE001 - the task reads it again and reports what goes wrong
        return None
    return result if result.error is None else None


def start(sources: list[SourceFile]) -> None:
    """Begin reading ``sources`` one after the other in a background thread."""
    global _pool
    if _pool is None:
        _pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="read-ahead")
    for src in sources:
        _pending[_key(src)] = (_stat(src.path), _pool.submit(_read, src))


def take(src: SourceFile):
    """The FileResult read ahead for ``src`` (waiting for it if the read is under way), or None."""
    found = _pending.pop(_key(src), None)
    if found is None:
        return None
    stat, future = found
    result = future.result()
    if result is None or stat is None or _stat(src.path) != stat:
        return None
    return result


def clear() -> None:
    """Drop whatever was read ahead and not taken."""
    for _, future in _pending.values():
        future.cancel()
    _pending.clear()
