//! Proves that replaying recorded histories catches a change that is not deterministic, and that
//! the same change behind `ctx.patched(…)` is safe to deploy.
//!
//! The change is real: looking up the card before charging it (`CARD_SUMMARY_PATCH`). The
//! histories in `tests/histories/before-card-summary/` were recorded before it existed. With the
//! guard removed — a variant of the workflow that exists only in this test build — they no longer
//! replay; with the guard they do.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use temporalio_client::WorkflowHistory;
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

use crate::PurchaseWorkflow;

/// When set, `PurchaseWorkflow` looks up the card whatever the history says.
pub(crate) static PATCH_GUARD_REMOVED: AtomicBool = AtomicBool::new(false);

/// Recorded histories that charge a card, from before the card lookup.
fn charged_before_the_change() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/histories/before-card-summary");
    ["happy_path", "decline_then_pay", "refund_compensation"]
        .iter()
        .map(|name| dir.join(format!("{name}.json")))
        .collect()
}

async fn replay(file: &Path) -> Result<(), String> {
    let json = std::fs::read(file).map_err(|err| format!("{}: {err}", file.display()))?;
    let history = WorkflowHistory::from_json(&json).map_err(|err| err.to_string())?;
    let options = WorkflowReplayerOptions::new()
        .register_workflow::<PurchaseWorkflow>()
        .map_err(|err| err.to_string())?
        .build();
    let replayer = WorkflowReplayer::new(options).map_err(|err| err.to_string())?;
    replayer
        .replay_workflow(history)
        .await
        .map_err(|err| err.to_string())
}

// One test, not two: the guard switch is process-wide.
#[tokio::test]
async fn the_card_lookup_fails_replay_without_its_patch_guard_and_passes_with_it() {
    PATCH_GUARD_REMOVED.store(true, Ordering::SeqCst);
    for file in charged_before_the_change() {
        let failure = replay(&file)
            .await
            .expect_err("the unguarded change must not replay");
        assert!(
            failure.contains("Nondeterminism"),
            "{}: {failure}",
            file.display()
        );
        assert!(
            failure.contains("describe_card"),
            "{}: {failure}",
            file.display()
        );
    }

    PATCH_GUARD_REMOVED.store(false, Ordering::SeqCst);
    for file in charged_before_the_change() {
        replay(&file)
            .await
            .unwrap_or_else(|err| panic!("{} with the guard: {err}", file.display()));
    }
}
