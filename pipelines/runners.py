"""Where a run's match pieces execute: this process, a temporary local Dask cluster, or an existing one.

``task_runner(workers, dask_address)`` gives the Prefect task runner for ``reconcile``: None (the
default thread pool, one process), prefect-dask's ``DaskTaskRunner`` on a ``LocalCluster`` of
``workers`` processes, or on the scheduler at ``dask_address``. ``distributed()`` tells, inside a
flow, whether its tasks run on Dask.
"""

from __future__ import annotations

import re

from contracts import DoisoatError

DASK_ADDRESS = re.compile(r"^(tcp|tls|inproc|ucx)://[^\s/]+(:\d+)?/?$")


def check_runner_options(workers: int | None, dask_address: str | None) -> None:
    """Raise DoisoatError for options that cannot name one runner."""
    if workers is not None and dask_address:
        raise DoisoatError("give --workers (a temporary local cluster) or --dask-address (an existing one), not both")
    if workers is not None and not 1 <= workers <= 256:
        raise DoisoatError(f"--workers must be between 1 and 256, not {workers}")
    if dask_address and not DASK_ADDRESS.match(dask_address):
        raise DoisoatError(f"--dask-address {dask_address!r} is not a Dask scheduler address (tcp://HOST:PORT)")


def task_runner(workers: int | None = None, dask_address: str | None = None):
    """The Prefect task runner for these options (None: Prefect's default, in this process)."""
    check_runner_options(workers, dask_address)
    if not workers and not dask_address:
        return None
    from prefect_dask import DaskTaskRunner

    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                          "dashboard_address": None})


def distributed() -> bool:
    """True inside a flow whose task runner is Dask's (pieces then travel as Parquet files)."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    runner = getattr(context, "task_runner", None)
    return type(runner).__name__ == "DaskTaskRunner"
