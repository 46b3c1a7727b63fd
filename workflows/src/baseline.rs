//! `BaselineWorkflow`: the least a purchase-shaped workflow can ask of Temporal — one activity that
//! does nothing, then one Update, then done. `boxoffice bench` runs it on the same server with the
//! same worker settings as the purchase saga, so the saga's throughput has a ceiling to be compared
//! with. It is never started by the shop itself.

use std::time::Duration;

use temporalio_macros::{activities, workflow, workflow_methods};
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use temporalio_sdk::{ActivityOptions, SyncWorkflowContext, WorkflowContext, WorkflowResult};

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
