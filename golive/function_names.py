"""Names that tie the starters, the orchestrator and the activities together.

Durable Functions addresses orchestrators, activities and external events by name;
keeping them in one place makes a rename a one-line change, though not a free one: running
orchestrations have these names in their histories (docs/deploy.md, upgrading). Each
registered function's Python name equals its name here, so the host, the logs and the
history say one name.
"""

ORCHESTRATOR = "go_live_orchestrator"
GO_LIVE_ACTIVITY = "start_go_live"
POLL_ACTIVITY = "poll_operation"
CANCEL_ACTIVITY = "cancel_operation"
PUBLISH_ACTIVITY = "publish_event"
CANCEL_EVENT = "CancelGoLive"
INGESTION_START_ACTIVITY = "start_ingestion_go_live"
INGESTION_JOB_ACTIVITY = "poll_configure_job"
INGESTION_LIVE_ACTIVITY = "poll_live_submission"
INGESTION_CANCEL_ACTIVITY = "cancel_configure_job"
