"""Writes of observations (指标值), one module per section; `from bizenv.observations import services`
and `services.<name>` keep working through these re-exports."""

from bizenv.observations.services.evidence import (
    EVIDENCE_MAX_BYTES,
    EVIDENCE_TYPES,
    evidence_add,
    evidence_check,
    evidence_remove,
)
from bizenv.observations.services.imports import (
    observation_import_cancel,
    observation_import_commit,
    observation_import_preview,
)
from bizenv.observations.services.review import (
    observation_approve,
    observation_flag_outliers,
    observation_lock,
    observation_return,
    observation_submit,
    observations_review_many,
    observations_submit_many,
)
from bizenv.observations.services.rounds import (
    reporting_round_deadline,
    reporting_round_open,
    reporting_round_update,
)
from bizenv.observations.services.values import (
    CONTENT_FIELDS,
    HISTORY_FIELDS,
    MetricValue,
    MetricWriteSummary,
    S,
    actor_is_office,
    indicator_check_reportable,
    observation_check_write,
    observation_save_effect,
    observation_upsert,
    observation_upsert_from_metric,
    observation_value_check,
    observations_write_from_metric,
    period_check,
)

__all__ = [
    "CONTENT_FIELDS",
    "EVIDENCE_MAX_BYTES",
    "EVIDENCE_TYPES",
    "evidence_check",
    "HISTORY_FIELDS",
    "MetricValue",
    "MetricWriteSummary",
    "S",
    "actor_is_office",
    "evidence_add",
    "evidence_remove",
    "indicator_check_reportable",
    "observation_approve",
    "observation_check_write",
    "observation_flag_outliers",
    "observation_import_cancel",
    "observation_import_commit",
    "observation_import_preview",
    "observation_lock",
    "observation_return",
    "observation_save_effect",
    "observation_submit",
    "observation_upsert",
    "observation_upsert_from_metric",
    "observation_value_check",
    "observations_review_many",
    "observations_submit_many",
    "observations_write_from_metric",
    "period_check",
    "reporting_round_deadline",
    "reporting_round_open",
    "reporting_round_update",
]
