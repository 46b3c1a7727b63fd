//! Proves that replaying recorded histories catches a change that is not deterministic, and that
//! the same change behind `ctx.patched(…)` is safe to deploy.
//!
//! The changes are real ones of this workflow's history:
//! - looking up the card before charging it (`CARD_SUMMARY_PATCH`): the histories in
//!   `tests/histories/before-card-summary/` were recorded before it existed;
//! - the lean saga (`LEAN_SAGA_PATCH`): local activities for the database steps, the card reported
//!   by the charge; `tests/histories/before-lean-saga/` were recorded before it.
//!
//! With a guard removed — a variant of the workflow that exists only in this test build — the
//! histories from before its change no longer replay; with the guard they do.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use temporalio_client::WorkflowHistory;
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

use crate::PurchaseWorkflow;
use crate::purchase::{CARD_SUMMARY_PATCH, LEAN_SAGA_PATCH};

/// The patch whose guard is removed: `PurchaseWorkflow` then takes the new path whatever the
/// history says.
static GUARD_REMOVED: Mutex<Option<&'static str>> = Mutex::new(None);

pub(crate) fn guard_removed(patch: &str) -> bool {
    *GUARD_REMOVED.lock().unwrap_or_else(|p| p.into_inner()) == Some(patch)
}

fn remove_guard(patch: Option<&'static str>) {
    *GUARD_REMOVED.lock().unwrap_or_else(|p| p.into_inner()) = patch;
}

/// Recorded histories from before a change: `names` in `tests/histories/<dir>/`.
fn recorded_before(dir: &str, names: &[&str]) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/histories")
        .join(dir);
    names
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

/// Histories from before `patch`'s change fail replay without its guard, naming `mismatch`, and
/// replay with it.
async fn drill(patch: &'static str, files: Vec<PathBuf>, mismatch: &str) {
    remove_guard(Some(patch));
    for file in &files {
        let failure = replay(file)
            .await
            .expect_err("the unguarded change must not replay");
        assert!(
            failure.contains("Nondeterminism"),
            "{}: {failure}",
            file.display()
        );
        assert!(failure.contains(mismatch), "{}: {failure}", file.display());
    }
    remove_guard(None);
    for file in &files {
        replay(file)
            .await
            .unwrap_or_else(|err| panic!("{} with the guard: {err}", file.display()));
    }
}

// One test, not several: the guard switch is process-wide.
#[tokio::test]
async fn each_change_fails_replay_of_older_histories_without_its_patch_guard_and_passes_with_it() {
    drill(
        CARD_SUMMARY_PATCH,
        recorded_before(
            "before-card-summary",
            &["happy_path", "decline_then_pay", "refund_compensation"],
        ),
        "describe_card",
    )
    .await;
    drill(
        LEAN_SAGA_PATCH,
        recorded_before(
            "before-lean-saga",
            &["happy_path", "expiry", "cancel", "decline_then_pay"],
        ),
        // The old histories scheduled the reserve step through the server; the lean saga records
        // it as a local activity's marker.
        "ActivityTaskScheduled",
    )
    .await;
}
