"""Operations: running doisoat every month without a person at the keyboard.

- config: a deployment's TOML configuration (communes, paths with ``{period}``, thresholds, schedule).
- schedule: the ``doisoat-monthly`` Prefect flow over a configuration's communes, its deployment
  and ``serve``.
- purge: removing personal data of old periods while keeping the counts.
"""

from pipelines.ops.config import Commune, Deployment, Schedule, Thresholds, load_config
from pipelines.ops.purge import PurgeSummary, purge
from pipelines.ops.schedule import (
    FLOW_NAME,
    check_server,
    monthly,
    next_runs,
    run_communes,
    serve_configs,
)

__all__ = [
    "Commune", "Deployment", "FLOW_NAME", "PurgeSummary", "Schedule", "Thresholds", "check_server", "load_config",
    "monthly", "next_runs", "purge", "run_communes", "serve_configs",
]
