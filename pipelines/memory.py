"""Peak resident memory of this process, for the run summary: overall and per stage.

On Linux the high-water mark (``VmHWM``) can be reset (``/proc/self/clear_refs``), so each stage's
own peak is measured; elsewhere only the process's peak since start is known (``getrusage``).
"""

from __future__ import annotations

import resource
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR = Path("/proc/self/clear_refs")


def peak_mb() -> float:
    """The process's peak resident memory since start or the last ``reset_peak``, in MB."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux kB (macOS bytes: not used there)


def reset_peak() -> bool:
    """Start a new high-water mark at the current memory; False where that cannot be done."""
    try:
        _CLEAR.write_text("5")
    except OSError:
        return False
    return True
