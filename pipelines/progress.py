"""Stage progress for the terminal: tasks report, the CLI (if attached to a terminal) displays.

Reporting is a no-op unless a listener is installed, so tasks and tests never depend on it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_listener: Callable[[str, str], None] | None = None
_lock = threading.Lock()


def listen(callback: Callable[[str, str], None] | None) -> None:
    """Install (or with None remove) the callback called as ``callback(source, stage)``."""
    global _listener
    _listener = callback


def advance(source: str, stage: str) -> None:
    """Report that ``stage`` finished for ``source`` (a sector, "residency" or "run")."""
    if _listener is not None:
        with _lock:
            _listener(source, stage)
