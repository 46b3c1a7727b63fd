//! Bare workflows that `boxoffice bench` runs on the same server, with the same worker settings, as
//! the purchase saga, so that the saga's figures have a ceiling to be compared with. The shop never
//! starts them.
//!
//! - [`BaselineWorkflow`]: the least a purchase-shaped workflow can ask of Temporal — one activity
//!   that does nothing, then one Update, then done (the `purchase` row's ceiling);
//! - [`TimerBaselineWorkflow`]: one durable timer due at a given instant, then done (the `expiry`
//!   row's: how late the server fires timers when hundreds fall due together).

use std::time::Duration;

use chrono::{DateTime, Utc};
use temporalio_macros::{activities, workflow, workflow_methods};
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use temporalio_sdk::{
    ActivityOptions, SyncWorkflowContext, WorkflowContext, WorkflowContextView, WorkflowResult,
};

pub struct BaselineActivities;

#[activities]
impl BaselineActivities {
    /// Does nothing: the cost measured is Temporal's, not the activity's.
    #[activity]
    pub async fn noop(_ctx: ActivityContext, _input: ()) -> Result<(), ActivityError> {
        Ok(())
    }
}

#[workflow]
#[derive(Default)]
pub struct BaselineWorkflow {
    finished: bool,
}

#[workflow_methods]
impl BaselineWorkflow {
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<()> {
        ctx.execute_activity(
            BaselineActivities::noop,
            (),
            ActivityOptions::start_to_close_timeout(Duration::from_secs(10)),
        )
        .await?;
        ctx.wait_condition(|s: &Self| s.finished).await?;
        Ok(())
    }

    /// The one Update, standing in for the purchase's `pay`.
    #[update]
    pub fn finish(&mut self, _ctx: &mut SyncWorkflowContext<Self>, _input: ()) {
        self.finished = true;
    }
}

#[workflow]
pub struct TimerBaselineWorkflow {
    due: DateTime<Utc>,
}

#[workflow_methods]
impl TimerBaselineWorkflow {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, due: DateTime<Utc>) -> Self {
        Self { due }
    }

    /// Waits on one timer until `due` (at once if that has passed), then completes.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<()> {
        let due = ctx.state(|s| s.due);
        let wait = ctx
            .workflow_time()
            .and_then(|now| (due - DateTime::<Utc>::from(now)).to_std().ok())
            .unwrap_or(Duration::ZERO);
        if !wait.is_zero() {
            ctx.timer(wait).await;
        }
        Ok(())
    }
}
