"""Triage reads, split by concern; callers import from `triage.selectors` and need not know the modules."""

from triage.selectors.capacity import (
    CAPACITY_QUARTERS,
    DISPLACED_LIMIT,
    ApprovalImpact,
    QuarterLoad,
    approval_capacity_impact,
    capacity_by_quarter,
    capacity_history,
    capacity_latest,
    capacity_plan_latest,
)
from triage.selectors.decision_times import (
    DUE_SOON_SHARE,
    decision_clocks,
    decision_targets,
    decision_time_by_month,
)
from triage.selectors.demand import (
    assessment_comparison,
    assessment_history,
    change_request_detail,
    decision_latest,
    similar_demand_list,
)
from triage.selectors.jobs import (
    change_request_ids_unscored,
    rescore_job_ids_stalled,
    rescore_job_list,
    scoring_failure_list,
    scoring_model_list,
)
from triage.selectors.queue import (
    BUBBLE_LIMIT,
    PIPELINE_ORDER,
    QUEUE_EXPORT_COLUMNS,
    change_request_export_rows,
    change_request_queue,
    queue_charts,
)
from triage.selectors.scoring_inputs import (
    SCORING_DEMAND_FIELDS,
    cost_estimate_latest,
    scoring_inputs_for_ids,
    scoring_model_active,
)
from triage.selectors.whatif import (
    BAND_ORDER,
    WHATIF_SQL,
    WHATIF_TOP,
    ScoreMove,
    ScoringWhatIf,
    scoring_whatif,
    whatif_scores,
)

__all__ = [
    "BAND_ORDER",
    "BUBBLE_LIMIT",
    "CAPACITY_QUARTERS",
    "DISPLACED_LIMIT",
    "DUE_SOON_SHARE",
    "PIPELINE_ORDER",
    "QUEUE_EXPORT_COLUMNS",
    "SCORING_DEMAND_FIELDS",
    "WHATIF_SQL",
    "WHATIF_TOP",
    "ApprovalImpact",
    "QuarterLoad",
    "ScoreMove",
    "ScoringWhatIf",
    "approval_capacity_impact",
    "assessment_comparison",
    "assessment_history",
    "capacity_by_quarter",
    "capacity_history",
    "capacity_latest",
    "capacity_plan_latest",
    "change_request_detail",
    "change_request_export_rows",
    "change_request_ids_unscored",
    "change_request_queue",
    "cost_estimate_latest",
    "decision_clocks",
    "decision_latest",
    "decision_targets",
    "decision_time_by_month",
    "queue_charts",
    "rescore_job_ids_stalled",
    "rescore_job_list",
    "scoring_failure_list",
    "scoring_inputs_for_ids",
    "scoring_model_active",
    "scoring_model_list",
    "scoring_whatif",
    "similar_demand_list",
    "whatif_scores",
]
