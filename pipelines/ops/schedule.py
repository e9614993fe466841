"""The monthly job: a Prefect flow over a deployment file, and serving it on a schedule.

``monthly(config, period=None)`` runs every commune of a configuration (see ``pipelines.config``)
as a ``reconcile`` sub-flow, for ``period`` or, by default, the month before the run's scheduled
time (in the schedule's time zone). It ends Completed when every commune succeeded, and Failed,
with a one-line message naming the communes and files, when a commune could not run or one of
its files could not be read (that commune's other sectors are still written, its run marked
``partial``). Its parameters are a file path and a month: no personal data reaches Prefect.

``serve_configs(deployments)`` registers one Prefect deployment per configuration, named after
it, with its monthly cron in its time zone (default 02:00 on the 5th, Asia/Ho_Chi_Minh), and
serves them until interrupted. Scheduling needs a real Prefect server (``PREFECT_API_URL``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from prefect import flow, get_run_logger
from prefect.states import Completed, Failed

from contracts import DoisoatError
from pipelines.ops.config import Deployment, load_config
from pipelines.period import period_end, previous_period
from pipelines.runners import check_runner_options, task_runner

FLOW_NAME = "doisoat-monthly"


@dataclass
class CommuneRun:
    """How one commune's run ended (no personal data)."""

    code: str
    name: str
    status: str  # succeeded | partial | failed
    message: str | None = None
    summary: object | None = None  # pipelines.flow.RunSummary when the run got to the end


@dataclass
class MonthlyResult:
    """Every commune's run of one month."""

    deployment: str
    period: str
    communes: list[CommuneRun] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.status == "succeeded" for c in self.communes)

    def problems(self) -> str:
        """One line naming what did not succeed."""
        return "; ".join(f"commune {c.code} {c.status}: {c.message}" for c in self.communes if c.status != "succeeded")


def _scheduled_time() -> dt.datetime:
    from prefect.runtime import flow_run

    when = flow_run.scheduled_start_time
    return dt.datetime.fromisoformat(str(when)) if not isinstance(when, dt.datetime) else when


def run_communes(deployment: Deployment, period: str, retrain: bool = False, full: bool = False) -> MonthlyResult:
    """Run ``reconcile`` for each commune of ``deployment`` (inside a flow: as sub-flows), its
    match pieces on the configuration's Dask cluster when it names one; ``retrain``: train every
    model again (``pipelines.kept_models``); ``full``: score every row again."""
    from pipelines.flow import reconcile

    runner = task_runner(deployment.workers, deployment.dask_address)
    if runner is not None:
        reconcile = reconcile.with_options(task_runner=runner)
    result = MonthlyResult(deployment.name, period)
    for commune in deployment.communes:
        parameters = deployment.run_parameters(commune, period) | {k: True for k, v in (("retrain", retrain),
                                                                                       ("full", full)) if v}
        state = reconcile(**parameters, return_state=True)
        if not state.is_completed():
            result.communes.append(CommuneRun(commune.code, commune.name, "failed", state.message))
            continue
        summary = state.result()
        status = "partial" if summary.failed_files else "succeeded"
        result.communes.append(CommuneRun(commune.code, commune.name, status, state.message, summary))
    return result


@flow(name=FLOW_NAME, log_prints=False)
def monthly(config: str, period: str | None = None, workers: int | None = None, dask_address: str | None = None,
            scratch: str | None = None, retrain: bool = False, full: bool = False):
    """Reconcile every commune of the deployment file ``config`` for ``period`` (YYYY-MM;
    default: the month before the scheduled time). Failed when any commune did not fully succeed.
    ``workers``, ``dask_address`` and ``scratch`` replace the file's (``pipelines.runners``);
    ``retrain`` trains every model again, ``full`` scores every row again."""
    logger = get_run_logger()
    try:
        deployment = load_config(config)
        if workers or dask_address:
            check_runner_options(workers, dask_address)
            deployment = replace(deployment, workers=workers, dask_address=dask_address)
        if scratch:
            deployment = replace(deployment, scratch=scratch)
        period = period or previous_period(_scheduled_time(), deployment.schedule.timezone)
        period_end(period)
    except DoisoatError as err:
        return Failed(message=str(err))
    result = run_communes(deployment, period, retrain, full)
    done = sum(c.status == "succeeded" for c in result.communes)
    logger.info("%s %s: %d of %d communes succeeded", deployment.name, period, done, len(result.communes))
    if result.ok:
        return Completed(data=result, message=f"{period}: {done} commune(s) reconciled")
    return Failed(data=result, message=f"{period}: {result.problems()}")


def to_deployment(deployment: Deployment):
    """The Prefect deployment of a configuration: ``doisoat-monthly/<name>`` on its cron."""
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    return monthly.to_deployment(
        name=deployment.name,
        schedule=Cron(deployment.schedule.cron, timezone=deployment.schedule.timezone,
                      active=deployment.schedule.active),
        parameters={"config": str(deployment.path)},
        description=f"doisoat monthly reconciliation of {len(deployment.communes)} commune(s) "
                    f"({', '.join(c.code for c in deployment.communes)}); the period defaults to the previous month.",
        tags=["doisoat"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


def next_runs(deployment: Deployment, n: int = 1, after: dt.datetime | None = None) -> list[dt.datetime]:
    """The next ``n`` scheduled times of a configuration, in its time zone."""
    from zoneinfo import ZoneInfo

    from prefect._vendor.croniter import croniter

    tz = ZoneInfo(deployment.schedule.timezone)
    it = croniter(deployment.schedule.cron, (after or dt.datetime.now(dt.UTC)).astimezone(tz))
    return [it.get_next(dt.datetime) for _ in range(n)]


def check_server() -> str:
    """The API URL of the Prefect server in use; DoisoatError if none is set or it does not answer."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    if not url:
        raise DoisoatError("PREFECT_API_URL is not set: scheduling needs a Prefect server "
                           "(prefect server start --host 127.0.0.1; see README, Operations)")
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        problem = client.api_healthcheck()
    if problem is not None:
        raise DoisoatError(f"the Prefect server at {url} does not answer ({type(problem).__name__})")
    return url


def serve_configs(deployments: list[Deployment]) -> None:
    """Register and serve one deployment per configuration (blocks; one run at a time)."""
    from prefect import serve

    names = [d.name for d in deployments]
    if len(set(names)) != len(names):
        raise DoisoatError("two configurations have the same name; give each its own `name`")
    serve(*[to_deployment(d) for d in deployments], limit=1, print_starting_message=False)
