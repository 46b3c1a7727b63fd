//! Billable Temporal actions, counted from real histories the way Temporal Cloud bills them
//! (docs.temporal.io/evaluate/cloud/actions):
//!
//! - workflow started: 1 (search attributes given at start are free);
//! - activity scheduled: 1, plus 1 for each retry (the started event's attempt − 1);
//! - local activities and other markers (patches): 1 per workflow task that recorded any;
//! - timer started: 1; signal received: 1; update accepted: 1 (completion is free);
//! - search-attribute upsert: 1 per command, except one that only sets `TemporalChangeVersion`;
//! - child workflow initiated: 2; workflow properties modified: 1.
//!
//! Rejected updates and queries are billed too but never reach the history; a purchase has none.

use std::collections::BTreeSet;

use anyhow::Context;
use temporalio_client::{Client, UntypedWorkflow, WorkflowFetchHistoryOptions};
use temporalio_common::protos::temporal::api::enums::v1::EventType;
use temporalio_common::protos::temporal::api::history::v1::HistoryEvent;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

use crate::report::Row;

/// `actions`: billable Temporal actions and workflow tasks per purchase and per expired hold,
/// from the histories of a few of each.
pub async fn per_workflow(
    temporal: &Client,
    purchases: &[String],
    expired: &[String],
) -> anyhow::Result<Row> {
    let mut row = Row::new(
        "actions",
        "billable actions per workflow (Temporal Cloud's rules; see bench/rows/actions.rs), from real histories",
    );
    for (label, orders) in [("purchase", purchases), ("expired hold", expired)] {
        let mut counts = Vec::new();
        let mut tasks = Vec::new();
        for order in orders.iter().take(5) {
            let events = temporal
                .get_workflow_handle::<UntypedWorkflow>(format!("order-{order}"))
                .fetch_history(WorkflowFetchHistoryOptions::default())
                .into_events()
                .await
                .with_context(|| format!("history of order-{order}"))?;
            counts.push(billable_actions(&events));
            tasks.push(workflow_tasks(&events));
        }
        if let (Some(min), Some(max)) = (counts.iter().min(), counts.iter().max()) {
            let value = if min == max {
                min.to_string()
            } else {
                format!("{min}–{max}")
            };
            row = row.figure(&format!("per {label}"), value);
            row = row.figure(
                &format!("workflow tasks per {label}"),
                tasks.iter().max().copied().unwrap_or_default(),
            );
        }
    }
    Ok(row)
}

/// The billable actions one history records.
pub fn billable_actions(events: &[HistoryEvent]) -> u32 {
    let mut actions = 0;
    let mut marker_tasks = BTreeSet::new();
    for event in events {
        actions += match (event.event_type(), &event.attributes) {
            (EventType::WorkflowExecutionStarted, _)
            | (EventType::ActivityTaskScheduled, _)
            | (EventType::TimerStarted, _)
            | (EventType::WorkflowExecutionSignaled, _)
            | (EventType::WorkflowExecutionUpdateAccepted, _)
            | (EventType::WorkflowPropertiesModified, _) => 1,
            (EventType::StartChildWorkflowExecutionInitiated, _) => 2,
            (
                EventType::ActivityTaskStarted,
                Some(Attributes::ActivityTaskStartedEventAttributes(started)),
            ) => u32::try_from(started.attempt.saturating_sub(1)).unwrap_or(0),
            (
                EventType::UpsertWorkflowSearchAttributes,
                Some(Attributes::UpsertWorkflowSearchAttributesEventAttributes(upsert)),
            ) => {
                let fields = upsert
                    .search_attributes
                    .as_ref()
                    .map(|attributes| &attributes.indexed_fields);
                let only_versioning = fields.is_some_and(|fields| {
                    fields.keys().all(|name| name == "TemporalChangeVersion")
                });
                u32::from(!only_versioning)
            }
            (
                EventType::MarkerRecorded,
                Some(Attributes::MarkerRecordedEventAttributes(marker)),
            ) => {
                marker_tasks.insert(marker.workflow_task_completed_event_id);
                0
            }
            _ => 0,
        };
    }
    actions + u32::try_from(marker_tasks.len()).unwrap_or(u32::MAX)
}

/// How many workflow tasks a history took: each is a round trip through the worker.
pub fn workflow_tasks(events: &[HistoryEvent]) -> usize {
    events
        .iter()
        .filter(|event| event.event_type() == EventType::WorkflowTaskCompleted)
        .count()
}
