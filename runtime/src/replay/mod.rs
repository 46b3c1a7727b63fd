//! `boxoffice replay`: replays recorded workflow histories against the current workflow code, to
//! prove a change is safe to deploy, and records histories of finished workflows as fixtures.

mod proto3;

use std::path::{Path, PathBuf};

use anyhow::Context;
use boxoffice_workflows::{PurchaseWorkflow, RefundWorkflow};
use futures::StreamExt;
use temporalio_client::{
    Client, UntypedWorkflow, WorkflowFetchHistoryOptions, WorkflowHistory, WorkflowListOptions,
};
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

/// One history to replay and where it came from, for the report.
pub struct NamedHistory {
    pub name: String,
    pub json: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryFileError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The `.json` histories at `path`: the file itself, or every `.json` file under the directory
/// (histories recorded before a change are kept in subdirectories).
pub fn histories_at(path: &Path) -> Result<Vec<NamedHistory>, HistoryFileError> {
    let read_error = |source| HistoryFileError::Read {
        path: path.to_owned(),
        source,
    };
    let mut files = Vec::new();
    if path.is_dir() {
        json_files_under(path, &mut files).map_err(read_error)?;
    } else {
        files.push(path.to_owned());
    }
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let json = std::fs::read(&file).map_err(|source| HistoryFileError::Read {
                path: file.clone(),
                source,
            })?;
            Ok(NamedHistory {
                name: file.display().to_string(),
                json,
            })
        })
        .collect()
}

fn json_files_under(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            json_files_under(&path, files)?;
        } else if path.extension().is_some_and(|ext| ext == "json") {
            files.push(path);
        }
    }
    Ok(())
}

/// A workflow's history fetched from the server, in the SDK's JSON.
pub async fn fetch_history(client: &Client, workflow_id: &str) -> anyhow::Result<NamedHistory> {
    let json = client
        .get_workflow_handle::<UntypedWorkflow>(workflow_id)
        .fetch_history(WorkflowFetchHistoryOptions::default())
        .to_json()
        .await
        .with_context(|| format!("cannot fetch the history of {workflow_id}"))?;
    Ok(NamedHistory {
        name: workflow_id.to_owned(),
        json,
    })
}

/// What replaying one history came to: `None` when it matches the current code.
#[derive(Debug)]
pub struct ReplayOutcome {
    pub name: String,
    pub workflow_id: Option<String>,
    pub failure: Option<String>,
}

/// Replays each history against the current `PurchaseWorkflow` and `RefundWorkflow`.
pub async fn replay_all(histories: Vec<NamedHistory>) -> anyhow::Result<Vec<ReplayOutcome>> {
    let options = WorkflowReplayerOptions::new()
        .register_workflow::<PurchaseWorkflow>()?
        .register_workflow::<RefundWorkflow>()?
        .build();
    let replayer = WorkflowReplayer::new(options)?;
    let mut outcomes = Vec::with_capacity(histories.len());
    for history in histories {
        let parsed = parse_history(&history.json);
        let workflow_id = parsed
            .as_ref()
            .ok()
            .and_then(|h| h.workflow_id().map(str::to_owned));
        let failure = match parsed {
            Err(err) => Some(format!("unreadable history: {err}")),
            Ok(parsed) => replayer
                .replay_workflow(parsed)
                .await
                .err()
                .map(|err| err.to_string()),
        };
        outcomes.push(ReplayOutcome {
            name: history.name,
            workflow_id,
            failure,
        });
    }
    Ok(outcomes)
}

/// A history in either JSON form: the SDK's (what `--record` writes), or proto3 JSON (what
/// `temporal workflow show --output json` and the Web UI's download write).
pub fn parse_history(json: &[u8]) -> Result<WorkflowHistory, String> {
    // The SDK's form names its fields in snake_case; proto3 JSON in camelCase.
    let sdk_form = json
        .windows(b"\"event_id\"".len())
        .any(|w| w == b"\"event_id\"");
    if sdk_form {
        WorkflowHistory::from_json(json).map_err(|err| err.to_string())
    } else {
        proto3::parse(json).map(WorkflowHistory::from)
    }
}

/// A history as proto3 JSON, the form the CLI and the Web UI write.
pub fn to_proto3_json(
    history: &temporalio_common::protos::temporal::api::history::v1::History,
) -> Result<Vec<u8>, String> {
    proto3::to_json(history)
}

/// Saves the histories of the finished workflows matching `query` into `dir`, one
/// `<workflow id>.json` each; returns how many.
pub async fn record(client: &Client, query: &str, dir: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let query = format!("({query}) AND ExecutionStatus != 'Running'");
    let mut executions = client.list_workflows(query, WorkflowListOptions::default());
    let mut saved = 0;
    while let Some(execution) = executions.next().await {
        let execution = execution?;
        let history = fetch_history(client, execution.id()).await?;
        let file = dir.join(format!("{}.json", execution.id()));
        std::fs::write(&file, &history.json)
            .with_context(|| format!("cannot write {}", file.display()))?;
        saved += 1;
    }
    Ok(saved)
}
