//! The baselines: bare workflows on the same Temporal server, on a worker with the same settings
//! as the shop's, in this process. They are the ceilings the purchase and expiry figures are
//! compared with, measured in the same run.

use std::time::{Duration, Instant, SystemTime};

use boxoffice_workflows::baseline::{BaselineActivities, BaselineWorkflow, TimerBaselineWorkflow};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use temporalio_client::{
    Client, WorkflowExecuteUpdateOptions, WorkflowGetResultOptions, WorkflowListOptions,
    WorkflowStartOptions,
};
use temporalio_sdk::WorkerOptions;

use super::{expiry, progress, run_concurrently, successes};
use crate::report::{Row, Samples};
use boxoffice_runtime::worker;

/// `baseline`: start → one no-op activity → one Update → complete, `concurrency` in flight.
pub async fn workflows(temporal: &Client, n: usize, concurrency: usize) -> anyhow::Result<Row> {
    progress(format!("baseline: {n} bare workflows"));
    let task_queue = bench_queue("baseline");
    let running = start_worker(temporal, &task_queue).await?;
    let (results, elapsed) = run_concurrently(n, concurrency, |i| {
        let options =
            WorkflowStartOptions::new(task_queue.clone(), format!("{task_queue}-{i}")).build();
        async move {
            let started = Instant::now();
            let handle = temporal
                .start_workflow(BaselineWorkflow::run, (), options)
                .await?;
            handle
                .execute_update(
                    BaselineWorkflow::finish,
                    (),
                    WorkflowExecuteUpdateOptions::default(),
                )
                .await?;
            handle
                .get_result(WorkflowGetResultOptions::default())
                .await?;
            Ok(started.elapsed())
        }
    })
    .await;
    running.stop().await?;
    let latencies = successes(results)?;
    Ok(Row::new(
        "baseline",
        format!(
            "bare workflow: start → no-op activity → Update → complete, {concurrency} in flight"
        ),
    )
    .latencies(&latencies)
    .rate(latencies.len() as f64 / elapsed.as_secs_f64(), "wf/s"))
}

/// `expiry-baseline`: one bare workflow per instant of `schedule` (the `expiry` row's deadlines),
/// each waiting on one timer due at that instant moved into the future by the same amount: the
/// same number of timers falling due with the same density. Lateness is when the workflow closed
/// minus when its timer was due.
pub async fn timers(temporal: &Client, schedule: &[DateTime<Utc>]) -> anyhow::Result<Row> {
    let (Some(first), Some(densest)) = (
        schedule.iter().min().copied(),
        Some(expiry::densest_window(schedule.iter().copied(), 5)),
    ) else {
        anyhow::bail!("expiry-baseline needs the expiry row's deadlines");
    };
    let task_queue = bench_queue("timers");
    let running = start_worker(temporal, &task_queue).await?;
    // Far enough ahead that every workflow has started (tens a second) before the first is due.
    let lead = Duration::from_secs(20 + schedule.len() as u64 / 25);
    let shift = Utc::now() + lead - first;
    progress(format!(
        "expiry-baseline: {} bare timers, the first due in {} s",
        schedule.len(),
        lead.as_secs()
    ));
    let due: Vec<DateTime<Utc>> = schedule.iter().map(|instant| *instant + shift).collect();
    let (started, _) = run_concurrently(due.len(), 50, |i| {
        let options =
            WorkflowStartOptions::new(task_queue.clone(), format!("{task_queue}-{i}")).build();
        let due = due[i];
        async move {
            temporal
                .start_workflow(TimerBaselineWorkflow::run, due, options)
                .await?;
            // A timer started after its instant measures the start, not the timer.
            anyhow::ensure!(Utc::now() < due, "started after it was due; raise the lead");
            Ok(())
        }
    })
    .await;
    started.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    let last_due = due.iter().max().copied().unwrap_or(first);
    tokio::time::sleep((last_due - Utc::now()).to_std().unwrap_or_default()).await;
    let closed = closed_at(temporal, &task_queue, due.len()).await?;
    running.stop().await?;
    let mut lateness = Samples::default();
    for (i, due) in due.iter().enumerate() {
        if let Some(closed) = closed.get(&format!("{task_queue}-{i}")) {
            lateness.push(
                (DateTime::<Utc>::from(*closed) - *due)
                    .to_std()
                    .unwrap_or_default(),
            );
        }
    }
    Ok(Row::new(
        "expiry-baseline",
        format!(
            "{} bare workflows with one timer each, due on the expiry row's schedule; latency = closed minus due",
            due.len()
        ),
    )
    .latencies(&lateness)
    .figure("due in the densest 5 s", densest)
    .figure("never closed", due.len() - lateness.len()))
}

/// When each workflow on `task_queue` closed, once `n` have (or a minute after the last look
/// found more closing).
async fn closed_at(
    temporal: &Client,
    task_queue: &str,
    n: usize,
) -> anyhow::Result<std::collections::HashMap<String, SystemTime>> {
    let query = format!("TaskQueue = '{task_queue}' AND ExecutionStatus = 'Completed'");
    let mut closed = std::collections::HashMap::new();
    let give_up = Instant::now() + Duration::from_secs(60);
    while closed.len() < n && Instant::now() < give_up {
        let found: Vec<_> = temporal
            .list_workflows(query.clone(), WorkflowListOptions::builder().build())
            .try_collect()
            .await?;
        closed = found
            .iter()
            .filter_map(|run| Some((run.id().to_owned(), run.close_time()?)))
            .collect();
        if closed.len() < n {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    Ok(closed)
}

fn bench_queue(what: &str) -> String {
    format!("bench-{what}-{}", uuid::Uuid::new_v4().simple())
}

async fn start_worker(
    temporal: &Client,
    task_queue: &str,
) -> anyhow::Result<worker::RunningWorker> {
    let queue = task_queue.to_owned();
    worker::start(temporal.clone(), move || {
        let options = WorkerOptions::new(queue)
            .register_workflow::<BaselineWorkflow>()?
            .register_workflow::<TimerBaselineWorkflow>()?
            .register_activities(BaselineActivities)
            .build();
        Ok(worker::tuned(options))
    })
    .await
}
