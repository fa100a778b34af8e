"""Triage writes, split by concern; callers import from `triage.services` and need not know the modules."""

from triage.services.bulk import BulkOutcome, change_requests_bulk_apply
from triage.services.decisions import (
    AlreadyDecided,
    change_request_ask_information,
    change_request_assign_customer,
    cost_estimate_create,
    decision_record,
    similar_demand_set_link,
)
from triage.services.ownership import change_request_set_owner
from triage.services.planning import (
    decision_targets_set,
    quarter_capacities_set,
)
from triage.services.preferences import queue_preference_set
from triage.services.rescoring import (
    RESCORE_TASK,
    rescore_job_run,
    rescore_job_start,
    scoring_model_create_version,
    scoring_model_ensure_default,
)
from triage.services.saved_views import (
    queue_query_normalize,
    saved_view_create,
    saved_view_delete,
    saved_view_set_default,
)
from triage.services.scoring import (
    ScoredDemand,
    assessment_compute,
    assessments_compute_bulk,
    assessments_compute_requested,
    scoring_failure_record,
    scoring_retry,
)

__all__ = [
    "RESCORE_TASK",
    "AlreadyDecided",
    "BulkOutcome",
    "ScoredDemand",
    "assessment_compute",
    "assessments_compute_bulk",
    "assessments_compute_requested",
    "change_request_ask_information",
    "change_request_assign_customer",
    "change_request_set_owner",
    "change_requests_bulk_apply",
    "cost_estimate_create",
    "decision_record",
    "decision_targets_set",
    "quarter_capacities_set",
    "queue_preference_set",
    "queue_query_normalize",
    "rescore_job_run",
    "rescore_job_start",
    "saved_view_create",
    "saved_view_delete",
    "saved_view_set_default",
    "scoring_failure_record",
    "scoring_model_create_version",
    "scoring_model_ensure_default",
    "scoring_retry",
    "similar_demand_set_link",
]
